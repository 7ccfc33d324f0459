using System.Text.Json;

namespace AwqSharp.Formats.Safetensors;

/// <summary>
/// Parses and validates a safetensors header: JSON well-formed, every entry with a known dtype, a
/// non-negative shape, offsets inside the data section, byte size == shape x dtype size, and no two
/// tensors overlapping. Every error names the file and the tensor.
/// </summary>
internal static class SafetensorsHeader
{
    /// <summary>Headers above this size are refused (the reference implementation's limit is 100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    public static (Dictionary<string, TensorInfo> Tensors, Dictionary<string, string> Metadata) Parse(
        string path, ReadOnlySpan<byte> json, long dataLength)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            throw new InvalidModelFileException(path, $"safetensors header is not valid JSON ({ex.Message})", ex);
        }
        try
        {
            return ParseDocument(path, doc, dataLength);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException)
        {
            // e.g. a tensor name that is not valid UTF-8
            throw new InvalidModelFileException(path, $"safetensors header is malformed ({ex.Message})", ex);
        }
        finally
        {
            doc.Dispose();
        }
    }

    private static (Dictionary<string, TensorInfo> Tensors, Dictionary<string, string> Metadata) ParseDocument(string path, JsonDocument doc, long dataLength)
    {
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidModelFileException(path, "safetensors header must be a JSON object");
            var tensors = new Dictionary<string, TensorInfo>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == "__metadata__")
                {
                    if (prop.Value.ValueKind != JsonValueKind.Object)
                        throw new InvalidModelFileException(path, "__metadata__ must be an object of strings");
                    foreach (var m in prop.Value.EnumerateObject())
                    {
                        if (m.Value.ValueKind != JsonValueKind.String)
                            throw new InvalidModelFileException(path, $"__metadata__ entry '{m.Name}' must be a string");
                        metadata[m.Name] = m.Value.GetString()!;
                    }
                    continue;
                }
                if (tensors.ContainsKey(prop.Name))
                    throw new InvalidModelFileException(path, $"tensor '{prop.Name}' is listed twice");
                tensors[prop.Name] = ParseEntry(path, prop.Name, prop.Value, dataLength);
            }
            CheckNoOverlap(path, tensors.Values);
            return (tensors, metadata);
        }
    }

    private static TensorInfo ParseEntry(string path, string name, JsonElement entry, long dataLength)
    {
        string Where(string field) => $"tensor '{name}' field '{field}'";
        if (entry.ValueKind != JsonValueKind.Object)
            throw new InvalidModelFileException(path, $"tensor '{name}' entry must be an object");
        if (!entry.TryGetProperty("dtype", out var dtypeEl) || dtypeEl.ValueKind != JsonValueKind.String)
            throw new InvalidModelFileException(path, $"{Where("dtype")} is missing or not a string");
        if (!SafetensorsDTypes.TryParse(dtypeEl.GetString()!, out var dtype))
            throw new InvalidModelFileException(path, $"{Where("dtype")}: unsupported dtype '{dtypeEl.GetString()}' (supported: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)");
        if (!entry.TryGetProperty("shape", out var shapeEl) || shapeEl.ValueKind != JsonValueKind.Array)
            throw new InvalidModelFileException(path, $"{Where("shape")} is missing or not an array");
        var shape = new long[shapeEl.GetArrayLength()];
        int d = 0;
        long elements = 1;
        foreach (var dim in shapeEl.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out long v) || v < 0)
                throw new InvalidModelFileException(path, $"{Where("shape")}: dimension {d} is not a non-negative integer");
            shape[d++] = v;
            try { elements = checked(elements * v); }
            catch (OverflowException) { throw new InvalidModelFileException(path, $"{Where("shape")}: element count overflows"); }
        }
        if (!entry.TryGetProperty("data_offsets", out var offEl) || offEl.ValueKind != JsonValueKind.Array || offEl.GetArrayLength() != 2)
            throw new InvalidModelFileException(path, $"{Where("data_offsets")} is missing or not a [begin, end] pair");
        if (!offEl[0].TryGetInt64(out long begin) || !offEl[1].TryGetInt64(out long end) || begin < 0 || end < begin)
            throw new InvalidModelFileException(path, $"{Where("data_offsets")}: [{offEl[0]}, {offEl[1]}] is not a valid range");
        if (end > dataLength)
            throw new InvalidModelFileException(path, $"{Where("data_offsets")}: end {end} is past the end of the data section ({dataLength} bytes; the file is truncated or the header lies)");
        long expected;
        try { expected = checked(elements * SafetensorsDTypes.SizeOf(dtype)); }
        catch (OverflowException) { throw new InvalidModelFileException(path, $"{Where("shape")}: byte size overflows"); }
        if (end - begin != expected)
            throw new InvalidModelFileException(path, $"tensor '{name}': data_offsets span {end - begin} bytes but shape [{string.Join(", ", shape)}] of {dtype} needs {expected}");
        return new TensorInfo(name, dtype, shape, begin, end - begin);
    }

    private static void CheckNoOverlap(string path, IEnumerable<TensorInfo> tensors)
    {
        TensorInfo? previous = null;
        foreach (var t in tensors.Where(t => t.ByteLength > 0).OrderBy(t => t.Offset).ThenBy(t => t.Name, StringComparer.Ordinal))
        {
            if (previous is not null && t.Offset < previous.Offset + previous.ByteLength)
                throw new InvalidModelFileException(path, $"tensors '{previous.Name}' and '{t.Name}' overlap (bytes {t.Offset}..{previous.Offset + previous.ByteLength} of the data section)");
            previous = t;
        }
    }
}
