using System.Buffers.Binary;
using AwqSharp.Formats.Llama2c;
using AwqSharp.Tests.Infrastructure;
using static AwqSharp.Tests.Formats.Llama2cTestFiles;

namespace AwqSharp.Tests.Formats;

public class Llama2cCheckpointTests
{
    [SharedFact(StoriesCheckpoint)]
    public void Stories260KHeaderIsTheDocumentedModel()
    {
        var c = Llama2cCheckpoint.ReadConfig(SharedData.Require(StoriesCheckpoint));
        Assert.Equal(Llama2cFormat.Legacy, c.Format);
        Assert.Equal((64, 172, 5, 8, 4, 512, 512), (c.Dim, c.HiddenDim, c.NumLayers, c.NumHeads, c.NumKvHeads, c.VocabSize, c.SeqLen));
        Assert.True(c.SharedClassifier);
        Assert.Equal(8, c.HeadSize);
        Assert.Equal(32, c.KvDim);
        Assert.Equal(260_032, c.ParameterCount); // as published with the model
    }

    [SharedFact(StoriesCheckpoint)]
    public void Stories260KReadsEveryTensorWithItsShape()
    {
        var ckpt = Llama2cCheckpoint.Read(SharedData.Require(StoriesCheckpoint));
        var c = ckpt.Config;
        Assert.Equal(512 * 64, ckpt.TokenEmbedding.Length);
        Assert.Null(ckpt.Classifier);
        Assert.Same(ckpt.TokenEmbedding, ckpt.OutputWeights);
        Assert.Equal(64, ckpt.FinalNorm.Length);
        Assert.Equal(5, ckpt.Layers.Count);
        foreach (var layer in ckpt.Layers)
        {
            Assert.Equal(64 * 64, layer.Wq.Length);
            Assert.Equal(32 * 64, layer.Wk.Length);
            Assert.Equal(32 * 64, layer.Wv.Length);
            Assert.Equal(172 * 64, layer.W1.Length);
            Assert.Equal(64 * 172, layer.W2.Length);
            Assert.Equal(64, layer.AttentionNorm.Length);
        }
        // Trained RMSNorm weights are positive-ish scales and all values finite: a misplaced read would land in the
        // RoPE tables or mix matrices in.
        Assert.All(ckpt.Layers.SelectMany(l => l.AttentionNorm.Concat(l.FfnNorm)).Concat(ckpt.FinalNorm), v => Assert.True(v > 0 && v < 20, $"norm weight {v}"));
        long count = ckpt.TokenEmbedding.Length + ckpt.FinalNorm.Length +
                     ckpt.Layers.Sum(l => (long)l.AttentionNorm.Length + l.Wq.Length + l.Wk.Length + l.Wv.Length + l.Wo.Length + l.FfnNorm.Length + l.W1.Length + l.W2.Length + l.W3.Length);
        Assert.Equal(c.ParameterCount, count);
    }

    [Theory]
    [InlineData(Llama2cFormat.Legacy, true)]
    [InlineData(Llama2cFormat.Legacy, false)]
    [InlineData(Llama2cFormat.Version1, true)]
    [InlineData(Llama2cFormat.Version1, false)]
    public void EveryTensorComesFromItsPlaceInBothLayouts(Llama2cFormat format, bool shared)
    {
        using var dir = new TempDir();
        var path = dir.File("model.bin");
        File.WriteAllBytes(path, format == Llama2cFormat.Legacy ? Legacy(Small, shared) : Version1(Small, shared));

        var ckpt = Llama2cCheckpoint.Read(path);
        var c = ckpt.Config;
        Assert.Equal(format, c.Format);
        Assert.Equal(shared, c.SharedClassifier);
        Assert.Equal((16, 24, 2, 4, 2, 300, 8), (c.Dim, c.HiddenDim, c.NumLayers, c.NumHeads, c.NumKvHeads, c.VocabSize, c.SeqLen));
        Assert.Equal(Expected(Small, Kind.Embedding, 0), ckpt.TokenEmbedding);
        Assert.Equal(Expected(Small, Kind.FinalNorm, 0), ckpt.FinalNorm);
        for (int l = 0; l < Small.Layers; l++)
        {
            var w = ckpt.Layers[l];
            Assert.Equal(Expected(Small, Kind.AttentionNorm, l), w.AttentionNorm);
            Assert.Equal(Expected(Small, Kind.Wq, l), w.Wq);
            Assert.Equal(Expected(Small, Kind.Wk, l), w.Wk);
            Assert.Equal(Expected(Small, Kind.Wv, l), w.Wv);
            Assert.Equal(Expected(Small, Kind.Wo, l), w.Wo);
            Assert.Equal(Expected(Small, Kind.FfnNorm, l), w.FfnNorm);
            Assert.Equal(Expected(Small, Kind.W1, l), w.W1);
            Assert.Equal(Expected(Small, Kind.W2, l), w.W2);
            Assert.Equal(Expected(Small, Kind.W3, l), w.W3);
        }
        if (shared) Assert.Null(ckpt.Classifier);
        else Assert.Equal(Expected(Small, Kind.Classifier, 0), ckpt.Classifier);
    }

    [Theory]
    [InlineData(Llama2cFormat.Legacy, -1)]
    [InlineData(Llama2cFormat.Legacy, -4)]
    [InlineData(Llama2cFormat.Legacy, 4)]
    [InlineData(Llama2cFormat.Version1, -1)]
    [InlineData(Llama2cFormat.Version1, 1000)]
    public void WrongSizeIsRejectedWithExpectedAndActualBytes(Llama2cFormat format, int delta)
    {
        using var dir = new TempDir();
        var path = dir.File("model.bin");
        var good = format == Llama2cFormat.Legacy ? Legacy(Small, true) : Version1(Small, true);
        var bytes = delta < 0 ? good[..^(-delta)] : good.Concat(new byte[delta]).ToArray();
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<InvalidModelFileException>(() => Llama2cCheckpoint.Read(path));
        Assert.Equal(path, e.Path);
        Assert.Contains($"file is {bytes.Length} bytes", e.Message);
        Assert.Contains($"exactly {good.Length} bytes", e.Message);
        Assert.Contains(delta < 0 ? "truncated" : $"{delta} unexpected trailing bytes", e.Message);
    }

    [SharedFact(StoriesCheckpoint)]
    public void TruncatedStories260KIsRejectedBeforeReadingTensors()
    {
        using var dir = new TempDir();
        var path = dir.File("stories.bin");
        var bytes = File.ReadAllBytes(SharedData.Require(StoriesCheckpoint));
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<InvalidModelFileException>(() => Llama2cCheckpoint.ReadConfig(path));
        Assert.Contains("exactly 1056540 bytes", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void SharedClassifierFileWithAnExtraClassifierIsOversized()
    {
        // A legacy header that says "shared" (positive vocab) in front of a file that carries a classifier.
        using var dir = new TempDir();
        var path = dir.File("model.bin");
        var bytes = Legacy(Small, shared: false);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(20), Small.Vocab);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidModelFileException>(() => Llama2cCheckpoint.ReadConfig(path));
        Assert.Contains($"{Small.Vocab * Small.Dim * 4} unexpected trailing bytes", e.Message);
    }

    [Fact]
    public void Version2QuantizedCheckpointIsUnsupported()
    {
        using var dir = new TempDir();
        var path = dir.File("q80.bin");
        File.WriteAllBytes(path, Version1(Small, true, version: 2));
        var e = Assert.Throws<UnsupportedModelException>(() => Llama2cCheckpoint.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("version 2", e.Message);
        Assert.Contains("Q8_0", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(-1)]
    public void UnknownVersionIsInvalid(int version)
    {
        using var dir = new TempDir();
        var path = dir.File("v.bin");
        File.WriteAllBytes(path, Version1(Small, true, version));
        var e = Assert.Throws<InvalidModelFileException>(() => Llama2cCheckpoint.Read(path));
        Assert.Contains($"version = {version}", e.Message);
    }

    [Fact]
    public void Version1SharedFlagMustBeABoolean()
    {
        using var dir = new TempDir();
        var path = dir.File("v1.bin");
        var bytes = Version1(Small, true);
        bytes[36] = 7;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidModelFileException>(() => Llama2cCheckpoint.Read(path));
        Assert.Contains("shared_classifier = 7", e.Message);
    }

    [Theory]
    [InlineData(0, 0, "dim = 0 must be positive")]
    [InlineData(1, -5, "hidden_dim = -5 must be positive")]
    [InlineData(2, 0, "n_layers = 0 must be positive")]
    [InlineData(3, 0, "n_heads = 0 must be positive")]
    [InlineData(3, 3, "n_heads = 3 does not divide dim = 16")]
    [InlineData(4, 0, "n_kv_heads = 0 must be positive")]
    [InlineData(4, 3, "n_kv_heads = 3 does not divide n_heads = 4")]
    [InlineData(3, 16, "head size dim / n_heads = 1 is odd")]
    [InlineData(5, 0, "vocab_size = 0 must be positive")]
    [InlineData(5, int.MinValue, "vocab_size = -2147483648 is out of range")]
    [InlineData(6, -8, "seq_len = -8 must be positive")]
    public void BadHeaderFieldsAreNamed(int field, int value, string message)
    {
        using var dir = new TempDir();
        var path = dir.File("bad.bin");
        var bytes = Legacy(Small, true);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(field * 4), value);
        if (field == 3 && value == 16) BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(16), 16); // kv heads = heads
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidModelFileException>(() => Llama2cCheckpoint.ReadConfig(path));
        Assert.Equal(path, e.Path);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void HugeDimensionsFailOnSizeWithoutAllocating()
    {
        using var dir = new TempDir();
        var path = dir.File("huge.bin");
        var bytes = Legacy(Small, true);
        foreach (var (field, v) in new[] { (0, 1 << 30), (1, 1 << 30), (2, 1 << 20), (3, 1 << 10), (4, 1 << 10) })
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(field * 4), v);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidModelFileException>(() => Llama2cCheckpoint.Read(path));
        Assert.Contains("bytes", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(27)]
    public void TooShortForAHeader(int length)
    {
        using var dir = new TempDir();
        var path = dir.File("short.bin");
        File.WriteAllBytes(path, Legacy(Small, true)[..length]);
        var e = Assert.Throws<InvalidModelFileException>(() => Llama2cCheckpoint.Read(path));
        Assert.Contains("too short", e.Message);
    }

    [Fact]
    public void VersionedHeaderCutShortIsNamed()
    {
        using var dir = new TempDir();
        var path = dir.File("short-v1.bin");
        File.WriteAllBytes(path, Version1(Small, true)[..100]);
        var e = Assert.Throws<InvalidModelFileException>(() => Llama2cCheckpoint.Read(path));
        Assert.Contains("256-byte version 1 header", e.Message);
    }

    [Fact]
    public void MissingFileIsFileNotFound()
    {
        var e = Assert.Throws<FileNotFoundException>(() => Llama2cCheckpoint.Read("/nonexistent/model.bin"));
        Assert.Contains("/nonexistent/model.bin", e.Message);
    }
}
