using System.Text.Json;

namespace AwqSharp.Formats.Safetensors;

/// <summary>
/// All the safetensors of a model: a directory with <c>model.safetensors.index.json</c> (sharded,
/// HuggingFace's layout), or with one or more <c>*.safetensors</c> files, or a single file. Every
/// shard is memory-mapped; a tensor name must live in exactly one shard.
/// </summary>
public sealed class SafetensorsCheckpoint : ITensorSource
{
    public const string IndexFileName = "model.safetensors.index.json";

    private readonly List<SafetensorsFile> _files;
    private readonly Dictionary<string, SafetensorsFile> _byTensor;

    private SafetensorsCheckpoint(string location, List<SafetensorsFile> files, Dictionary<string, SafetensorsFile> byTensor)
    {
        Location = location; _files = files; _byTensor = byTensor;
    }

    /// <summary>The directory (or file) opened.</summary>
    public string Location { get; }

    public IReadOnlyList<SafetensorsFile> Files => _files;

    public IEnumerable<string> TensorNames => _byTensor.Keys;

    /// <summary>Total bytes of tensor data over every shard.</summary>
    public long TotalBytes => _files.Sum(f => f.Tensors.Sum(t => t.ByteLength));

    /// <summary>Opens a checkpoint directory or a single .safetensors file.</summary>
    public static SafetensorsCheckpoint Open(string pathOrDirectory)
    {
        if (File.Exists(pathOrDirectory))
            return FromFiles(pathOrDirectory, [pathOrDirectory], null);
        if (!Directory.Exists(pathOrDirectory))
            throw new DirectoryNotFoundException($"{pathOrDirectory}: no such model directory or safetensors file");

        var index = Path.Combine(pathOrDirectory, IndexFileName);
        if (File.Exists(index))
        {
            var weightMap = ReadIndex(index);
            var shardNames = weightMap.Values.Distinct(StringComparer.Ordinal).OrderBy(s => s, StringComparer.Ordinal).ToList();
            foreach (var shard in shardNames)
            {
                if (shard.Contains('/') || shard.Contains('\\') || shard.Contains(".."))
                    throw new InvalidModelFileException(index, $"weight_map names shard '{shard}', which is not a plain file name");
                if (!File.Exists(Path.Combine(pathOrDirectory, shard)))
                    throw new InvalidModelFileException(index, $"weight_map names shard '{shard}', which does not exist");
            }
            return FromFiles(pathOrDirectory, shardNames.Select(s => Path.Combine(pathOrDirectory, s)).ToList(), (index, weightMap));
        }
        // A lone model.safetensors is the checkpoint (other .safetensors beside it, e.g. reference data, are not weights).
        var single = Path.Combine(pathOrDirectory, "model.safetensors");
        if (File.Exists(single)) return FromFiles(pathOrDirectory, [single], null);
        var all = Directory.GetFiles(pathOrDirectory, "*.safetensors").OrderBy(f => f, StringComparer.Ordinal).ToList();
        if (all.Count == 0)
            throw new InvalidModelFileException(pathOrDirectory, "no *.safetensors files (and no " + IndexFileName + ") in this directory");
        return FromFiles(pathOrDirectory, all, null);
    }

    private static Dictionary<string, string> ReadIndex(string index)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(index));
            if (!doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                throw new InvalidModelFileException(index, "field 'weight_map' is missing or not an object");
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in map.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.String)
                    throw new InvalidModelFileException(index, $"weight_map entry '{p.Name}' is not a file name string");
                result[p.Name] = p.Value.GetString()!;
            }
            return result;
        }
        catch (JsonException ex)
        {
            throw new InvalidModelFileException(index, $"not valid JSON ({ex.Message})", ex);
        }
    }

    private static SafetensorsCheckpoint FromFiles(string location, List<string> paths, (string Path, Dictionary<string, string> Map)? index)
    {
        var files = new List<SafetensorsFile>();
        try
        {
            var byTensor = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
            foreach (var p in paths)
            {
                var f = SafetensorsFile.Open(p);
                files.Add(f);
                foreach (var name in f.TensorNames)
                {
                    if (byTensor.TryGetValue(name, out var other))
                        throw new InvalidModelFileException(p, $"tensor '{name}' is also in {Path.GetFileName(other.Path)}");
                    byTensor[name] = f;
                }
            }
            if (index is { } ix)
            {
                foreach (var (name, shard) in ix.Map)
                {
                    if (!byTensor.TryGetValue(name, out var f))
                        throw new InvalidModelFileException(ix.Path, $"weight_map lists tensor '{name}' in {shard}, but no shard holds it");
                    if (Path.GetFileName(f.Path) != shard)
                        throw new InvalidModelFileException(ix.Path, $"weight_map puts tensor '{name}' in {shard}, but it is in {Path.GetFileName(f.Path)}");
                }
            }
            return new SafetensorsCheckpoint(location, files, byTensor);
        }
        catch
        {
            foreach (var f in files) f.Dispose();
            throw;
        }
    }

    private SafetensorsFile FileOf(string name) =>
        _byTensor.TryGetValue(name, out var f) ? f : throw new InvalidModelFileException(Location, $"no tensor named '{name}' in this checkpoint");

    public bool Contains(string name) => _byTensor.ContainsKey(name);
    public TensorInfo GetInfo(string name) => FileOf(name).GetInfo(name);
    public ReadOnlySpan<byte> GetBytes(string name) => FileOf(name).GetBytes(name);
    public float[] ReadFloat32(string name) => FileOf(name).ReadFloat32(name);
    public void ReadFloat32(string name, Span<float> destination) => FileOf(name).ReadFloat32(name, destination);
    public int[] ReadInt32(string name) => FileOf(name).ReadInt32(name);

    public void Dispose()
    {
        foreach (var f in _files) f.Dispose();
    }
}
