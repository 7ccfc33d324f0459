using System.Text.Json;
using AwqSharp.Formats.Llama2c;
using AwqSharp.Formats.Safetensors;
using AwqSharp.Tests.Infrastructure;
using static AwqSharp.Tests.Formats.Llama2cTestFiles;

namespace AwqSharp.Tests.Formats;

public class Llama2cImporterTests
{
    private static readonly string[] LayerTensors =
    [
        "input_layernorm.weight", "self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight",
        "self_attn.o_proj.weight", "post_attention_layernorm.weight", "mlp.gate_proj.weight", "mlp.up_proj.weight", "mlp.down_proj.weight",
    ];

    [SharedFact(StoriesCheckpoint, StoriesTokenizer)]
    public void Stories260KBecomesAHuggingFaceLlamaDirectory()
    {
        using var dir = new TempDir();
        var outDir = Path.Combine(dir.Path, "stories260K");
        var result = Llama2cImporter.Import(SharedData.Require(StoriesCheckpoint), SharedData.Require(StoriesTokenizer), outDir);

        Assert.Equal(outDir, result.OutputDirectory);
        Assert.Equal(["config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"],
            Directory.GetFiles(outDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal([Path.GetFileName(outDir)], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName)); // no temp folder left

        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "config.json")));
        var root = config.RootElement;
        Assert.Equal("LlamaForCausalLM", root.GetProperty("architectures")[0].GetString());
        Assert.Equal(1, root.GetProperty("architectures").GetArrayLength());
        Assert.Equal("llama", root.GetProperty("model_type").GetString());
        Assert.Equal(64, root.GetProperty("hidden_size").GetInt32());
        Assert.Equal(172, root.GetProperty("intermediate_size").GetInt32());
        Assert.Equal(5, root.GetProperty("num_hidden_layers").GetInt32());
        Assert.Equal(8, root.GetProperty("num_attention_heads").GetInt32());
        Assert.Equal(4, root.GetProperty("num_key_value_heads").GetInt32());
        Assert.Equal(512, root.GetProperty("vocab_size").GetInt32());
        Assert.Equal(512, root.GetProperty("max_position_embeddings").GetInt32());
        Assert.Equal(1e-5, root.GetProperty("rms_norm_eps").GetDouble());
        Assert.Equal(10000.0, root.GetProperty("rope_theta").GetDouble());
        Assert.Equal("silu", root.GetProperty("hidden_act").GetString());
        Assert.True(root.GetProperty("tie_word_embeddings").GetBoolean());
        Assert.Equal("float32", root.GetProperty("torch_dtype").GetString());
        Assert.Equal(1, root.GetProperty("bos_token_id").GetInt32());
        Assert.Equal(2, root.GetProperty("eos_token_id").GetInt32());
        using var gen = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "generation_config.json")));
        Assert.Equal(1, gen.RootElement.GetProperty("bos_token_id").GetInt32());
        Assert.Equal(2, gen.RootElement.GetProperty("eos_token_id").GetInt32());

        var ckpt = Llama2cCheckpoint.Read(SharedData.Require(StoriesCheckpoint));
        using var st = SafetensorsFile.Open(Path.Combine(outDir, "model.safetensors"));
        Assert.Equal("pt", st.Metadata["format"]);
        var expectedNames = new List<string> { "model.embed_tokens.weight", "model.norm.weight" };
        for (int l = 0; l < 5; l++) expectedNames.AddRange(LayerTensors.Select(t => $"model.layers.{l}.{t}"));
        Assert.Equal(expectedNames.Order(StringComparer.Ordinal), st.TensorNames.Order(StringComparer.Ordinal));
        Assert.Equal(47, result.TensorCount);
        Assert.All(st.Tensors, t => Assert.Equal(SafetensorsDType.F32, t.DType));

        Assert.Equal([512L, 64], st.GetInfo("model.embed_tokens.weight").Shape);
        Assert.Equal([64L], st.GetInfo("model.norm.weight").Shape);
        Assert.Equal([64L], st.GetInfo("model.layers.0.input_layernorm.weight").Shape);
        Assert.Equal([64L, 64], st.GetInfo("model.layers.0.self_attn.q_proj.weight").Shape);
        Assert.Equal([32L, 64], st.GetInfo("model.layers.0.self_attn.k_proj.weight").Shape);
        Assert.Equal([32L, 64], st.GetInfo("model.layers.0.self_attn.v_proj.weight").Shape);
        Assert.Equal([64L, 64], st.GetInfo("model.layers.0.self_attn.o_proj.weight").Shape);
        Assert.Equal([172L, 64], st.GetInfo("model.layers.0.mlp.gate_proj.weight").Shape);
        Assert.Equal([172L, 64], st.GetInfo("model.layers.0.mlp.up_proj.weight").Shape);
        Assert.Equal([64L, 172], st.GetInfo("model.layers.0.mlp.down_proj.weight").Shape);

        Assert.Equal(ckpt.TokenEmbedding, st.ReadFloat32("model.embed_tokens.weight"));
        Assert.Equal(ckpt.FinalNorm, st.ReadFloat32("model.norm.weight"));
        for (int l = 0; l < 5; l++)
        {
            var w = ckpt.Layers[l];
            string p = $"model.layers.{l}.";
            Assert.Equal(w.AttentionNorm, st.ReadFloat32(p + "input_layernorm.weight"));
            Assert.Equal(RopeRowPermutation.InterleavedToHalfSplit(w.Wq, 8, 64), st.ReadFloat32(p + "self_attn.q_proj.weight"));
            Assert.Equal(RopeRowPermutation.InterleavedToHalfSplit(w.Wk, 4, 64), st.ReadFloat32(p + "self_attn.k_proj.weight"));
            Assert.Equal(w.Wv, st.ReadFloat32(p + "self_attn.v_proj.weight"));
            Assert.Equal(w.Wo, st.ReadFloat32(p + "self_attn.o_proj.weight"));
            Assert.Equal(w.FfnNorm, st.ReadFloat32(p + "post_attention_layernorm.weight"));
            Assert.Equal(w.W1, st.ReadFloat32(p + "mlp.gate_proj.weight"));
            Assert.Equal(w.W3, st.ReadFloat32(p + "mlp.up_proj.weight"));
            Assert.Equal(w.W2, st.ReadFloat32(p + "mlp.down_proj.weight"));
        }
    }

    [Theory]
    [InlineData(Llama2cFormat.Legacy)]
    [InlineData(Llama2cFormat.Version1)]
    public void SeparateClassifierBecomesLmHeadAndUntiesEmbeddings(Llama2cFormat format)
    {
        using var dir = new TempDir();
        var (checkpoint, tokenizer) = WriteSmall(dir, format, shared: false);
        var outDir = Path.Combine(dir.Path, "out");
        var result = Llama2cImporter.Import(checkpoint, tokenizer, outDir);

        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "config.json")));
        Assert.False(config.RootElement.GetProperty("tie_word_embeddings").GetBoolean());
        Assert.Equal(16, config.RootElement.GetProperty("hidden_size").GetInt32());
        Assert.Equal(2, config.RootElement.GetProperty("num_key_value_heads").GetInt32());
        Assert.Equal(8, config.RootElement.GetProperty("max_position_embeddings").GetInt32());
        using var st = SafetensorsFile.Open(Path.Combine(outDir, "model.safetensors"));
        Assert.Equal(1 + 2 * 9 + 1 + 1, result.TensorCount);
        Assert.Equal(Expected(Small, Kind.Classifier, 0), st.ReadFloat32("lm_head.weight"));
        Assert.Equal(Expected(Small, Kind.Embedding, 0), st.ReadFloat32("model.embed_tokens.weight"));
        Assert.Equal(Expected(Small, Kind.W1, 1), st.ReadFloat32("model.layers.1.mlp.gate_proj.weight"));
        Assert.Equal(Expected(Small, Kind.W3, 1), st.ReadFloat32("model.layers.1.mlp.up_proj.weight"));
        Assert.Equal(Expected(Small, Kind.W2, 1), st.ReadFloat32("model.layers.1.mlp.down_proj.weight"));
        Assert.Equal(RopeRowPermutation.InterleavedToHalfSplit(Expected(Small, Kind.Wk, 1), Small.KvHeads, Small.Dim),
            st.ReadFloat32("model.layers.1.self_attn.k_proj.weight"));
    }

    [Theory]
    [InlineData("f16", SafetensorsDType.F16, "float16")]
    [InlineData("bf16", SafetensorsDType.BF16, "bfloat16")]
    public void HalfPrecisionOptionsRoundEveryWeight(string _, SafetensorsDType dtype, string torchName)
    {
        using var dir = new TempDir();
        var (checkpoint, tokenizer) = WriteSmall(dir, Llama2cFormat.Version1, shared: true, valueScale: 1.0009765625f / 3);
        var outDir = Path.Combine(dir.Path, "out");
        Llama2cImporter.Import(checkpoint, tokenizer, outDir, dtype);

        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "config.json")));
        Assert.Equal(torchName, config.RootElement.GetProperty("torch_dtype").GetString());
        var ckpt = Llama2cCheckpoint.Read(checkpoint);
        using var st = SafetensorsFile.Open(Path.Combine(outDir, "model.safetensors"));
        Assert.All(st.Tensors, t => Assert.Equal(dtype, t.DType));
        var pairs = new[]
        {
            (ckpt.TokenEmbedding, "model.embed_tokens.weight"), (ckpt.Layers[0].Wv, "model.layers.0.self_attn.v_proj.weight"),
            (ckpt.Layers[1].W2, "model.layers.1.mlp.down_proj.weight"), (ckpt.FinalNorm, "model.norm.weight"),
        };
        foreach (var (source, name) in pairs)
        {
            var written = st.ReadFloat32(name);
            for (int i = 0; i < source.Length; i++)
                Assert.Equal(dtype == SafetensorsDType.F16 ? (float)(Half)source[i] : NearestBFloat16(source[i]), written[i]);
        }
    }

    [Fact]
    public void CancelledImportLeavesNoDirectory()
    {
        using var dir = new TempDir();
        var (checkpoint, tokenizer) = WriteSmall(dir, Llama2cFormat.Legacy, shared: true);
        var outDir = Path.Combine(dir.Path, "out");
        using var cts = new CancellationTokenSource();
        var seen = new List<string>();
        var progress = new SyncProgress(name => { seen.Add(name); if (name.EndsWith("q_proj.weight")) cts.Cancel(); });

        Assert.ThrowsAny<OperationCanceledException>(() => Llama2cImporter.Import(checkpoint, tokenizer, outDir, progress: progress, cancellationToken: cts.Token));
        Assert.Contains("tokenizer.json", seen);  // it had started writing
        Assert.False(Directory.Exists(outDir));
        Assert.Equal(["model.bin", "tok.bin"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void BadCheckpointLeavesNoDirectory()
    {
        using var dir = new TempDir();
        var (checkpoint, tokenizer) = WriteSmall(dir, Llama2cFormat.Legacy, shared: true);
        File.WriteAllBytes(checkpoint, File.ReadAllBytes(checkpoint)[..^4]);
        var outDir = Path.Combine(dir.Path, "out");
        var e = Assert.Throws<InvalidModelFileException>(() => Llama2cImporter.Import(checkpoint, tokenizer, outDir));
        Assert.Equal(checkpoint, e.Path);
        Assert.False(Directory.Exists(outDir));
        Assert.Equal(2, Directory.GetFileSystemEntries(dir.Path).Length);
    }

    [Fact]
    public void VocabularySizesMustAgree()
    {
        using var dir = new TempDir();
        var (checkpoint, _) = WriteSmall(dir, Llama2cFormat.Version1, shared: true);
        var tokenizer = dir.File("short-tok.bin");
        File.WriteAllBytes(tokenizer, Tokenizer(SmallPieces().Take(30).ToList()));
        var outDir = Path.Combine(dir.Path, "out");
        var e = Assert.Throws<InvalidModelFileException>(() => Llama2cImporter.Import(checkpoint, tokenizer, outDir));
        Assert.Equal(tokenizer, e.Path);
        Assert.Contains("289 tokens", e.Message);
        Assert.Contains("vocab_size 300", e.Message);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void ExistingNonEmptyOutputIsRefusedAndKept()
    {
        using var dir = new TempDir();
        var (checkpoint, tokenizer) = WriteSmall(dir, Llama2cFormat.Legacy, shared: true);
        var outDir = Path.Combine(dir.Path, "out");
        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, "keep.txt"), "mine");
        var e = Assert.Throws<AwqException>(() => Llama2cImporter.Import(checkpoint, tokenizer, outDir));
        Assert.Contains("not empty", e.Message);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(outDir, "keep.txt")));
        Assert.Single(Directory.GetFileSystemEntries(outDir));
    }

    [Fact]
    public void ExistingEmptyOutputIsFilled()
    {
        using var dir = new TempDir();
        var (checkpoint, tokenizer) = WriteSmall(dir, Llama2cFormat.Legacy, shared: true);
        var outDir = Path.Combine(dir.Path, "out");
        Directory.CreateDirectory(outDir);
        Llama2cImporter.Import(checkpoint, tokenizer, outDir + Path.DirectorySeparatorChar);
        Assert.True(File.Exists(Path.Combine(outDir, "model.safetensors")));
        Assert.Equal(3, Directory.GetFileSystemEntries(dir.Path).Length);
    }

    internal static (string Checkpoint, string Tokenizer) WriteSmall(TempDir dir, Llama2cFormat format, bool shared, float valueScale = 1)
    {
        var checkpoint = dir.File("model.bin");
        var bytes = format == Llama2cFormat.Legacy ? Legacy(Small, shared) : Version1(Small, shared);
        if (valueScale != 1)
        {
            var floats = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes.AsSpan(format == Llama2cFormat.Legacy ? 28 : 256));
            for (int i = 0; i < floats.Length; i++) floats[i] *= valueScale;
        }
        File.WriteAllBytes(checkpoint, bytes);
        var tokenizer = dir.File("tok.bin");
        File.WriteAllBytes(tokenizer, Tokenizer(SmallPieces()));
        return (checkpoint, tokenizer);
    }

    /// <summary>bfloat16 round-to-nearest-even, by comparing the two neighbours in float64.</summary>
    private static float NearestBFloat16(float x)
    {
        uint bits = BitConverter.SingleToUInt32Bits(x);
        float down = BitConverter.UInt32BitsToSingle(bits & 0xFFFF0000u);
        float up = BitConverter.UInt32BitsToSingle((bits & 0xFFFF0000u) + 0x10000u);
        double dd = Math.Abs((double)x - down), du = Math.Abs((double)up - x);
        if (dd != du) return dd < du ? down : up;
        return ((BitConverter.SingleToUInt32Bits(down) >> 16) & 1) == 0 ? down : up;
    }

    private sealed class SyncProgress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }
}

[Collection("Console")]
public class Llama2cImportCommandTests
{
    [Fact]
    public void ImportsThroughTheCli()
    {
        using var dir = new TempDir();
        var (checkpoint, tokenizer) = Llama2cImporterTests.WriteSmall(dir, Llama2cFormat.Version1, shared: false);
        var outDir = Path.Combine(dir.Path, "out");
        var r = CliRunner.Run("import", "llama2c", "--checkpoint", checkpoint, "--tokenizer", tokenizer, "--out", outDir, "--dtype", "bf16", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(r.LastLine);
        Assert.Equal("bfloat16", doc.RootElement.GetProperty("dtype").GetString());
        Assert.Equal("version1", doc.RootElement.GetProperty("format").GetString());
        Assert.False(doc.RootElement.GetProperty("tie_word_embeddings").GetBoolean());
        Assert.Equal(21, doc.RootElement.GetProperty("tensors").GetInt32());
        using var st = SafetensorsFile.Open(Path.Combine(outDir, "model.safetensors"));
        Assert.Equal(SafetensorsDType.BF16, st.GetInfo("lm_head.weight").DType);
    }

    [Fact]
    public void BadInputIsAOneLineErrorAndNoDirectory()
    {
        using var dir = new TempDir();
        var (checkpoint, tokenizer) = Llama2cImporterTests.WriteSmall(dir, Llama2cFormat.Legacy, shared: true);
        File.WriteAllBytes(tokenizer, File.ReadAllBytes(tokenizer)[..^3]);
        var outDir = Path.Combine(dir.Path, "out");
        var r = CliRunner.Run("import", "llama2c", "--checkpoint", checkpoint, "--tokenizer", tokenizer, "--out", outDir);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(tokenizer, r.Stderr);
        Assert.Contains("truncated", r.Stderr);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void UnknownDtypeIsRejectedByTheParser()
    {
        using var dir = new TempDir();
        var r = CliRunner.Run("import", "llama2c", "--checkpoint", "a", "--tokenizer", "b", "--out", dir.File("o"), "--dtype", "int4");
        Assert.NotEqual(0, r.ExitCode);
        Assert.False(Directory.Exists(dir.File("o")));
    }
}
