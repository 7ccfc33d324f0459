using System.Buffers.Binary;
using System.Text;
using AwqSharp.Formats.Safetensors;
using AwqSharp.Tests.Infrastructure;

namespace AwqSharp.Tests.Formats;

public class SafetensorsTests
{
    private static byte[] RawFile(string headerJson, int dataBytes)
    {
        var header = Encoding.UTF8.GetBytes(headerJson);
        var bytes = new byte[8 + header.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        for (int i = 0; i < dataBytes; i++) bytes[8 + header.Length + i] = (byte)(i * 7);
        return bytes;
    }

    private static InvalidModelFileException OpenFails(TempDir dir, byte[] content)
    {
        var p = dir.File("bad.safetensors");
        File.WriteAllBytes(p, content);
        var ex = Assert.Throws<InvalidModelFileException>(() => SafetensorsFile.Open(p).Dispose());
        Assert.Contains("bad.safetensors", ex.Message);
        return ex;
    }

    [Fact]
    public void RoundTripsEveryFloatDtype()
    {
        using var dir = new TempDir();
        var rng = new Random(1);
        var values = Enumerable.Range(0, 6 * 5).Select(_ => (float)(rng.NextDouble() * 8 - 4)).ToArray();
        var path = dir.File("m.safetensors");
        SafetensorsWriter.Write(path,
        [
            SafetensorsTensor.FromFloat32("a.f32", values, [6, 5]),
            SafetensorsTensor.FromFloat32("a.f16", values, [6, 5], SafetensorsDType.F16),
            SafetensorsTensor.FromFloat32("a.bf16", values, [6, 5], SafetensorsDType.BF16),
            SafetensorsTensor.FromInt32("i", [1, -2, int.MaxValue], [3]),
            new SafetensorsTensor("i8", SafetensorsDType.I8, [2], new byte[] { 0xFF, 0x05 }),
            SafetensorsTensor.FromBytes("u8", [200, 7], [2]),
            SafetensorsTensor.FromFloat32("scalar", [3.5f], []),
        ], new Dictionary<string, string> { ["format"] = "pt" });

        using var f = SafetensorsFile.Open(path);
        Assert.Equal("pt", f.Metadata["format"]);
        Assert.Equal(values, f.ReadFloat32("a.f32"));
        var f16 = f.ReadFloat32("a.f16");
        var bf16 = f.ReadFloat32("a.bf16");
        for (int i = 0; i < values.Length; i++)
        {
            Assert.Equal((float)(Half)values[i], f16[i]);
            Assert.True(Math.Abs(bf16[i] - values[i]) <= Math.Abs(values[i]) / 256 + 1e-30, $"bf16 {bf16[i]} vs {values[i]}");
        }
        Assert.Equal([1, -2, int.MaxValue], f.ReadInt32("i"));
        Assert.Equal([-1f, 5f], f.ReadFloat32("i8"));
        Assert.Equal([200f, 7f], f.ReadFloat32("u8"));
        Assert.Equal([3.5f], f.ReadFloat32("scalar"));
        Assert.Equal(new long[] { 6, 5 }, f.GetInfo("a.f16").Shape);
        Assert.Equal(0, (8 + BinaryPrimitives.ReadInt64LittleEndian(File.ReadAllBytes(path))) % 8);
    }

    [Theory]
    [InlineData(1.0f, 0x3F80)]
    [InlineData(-2.0f, 0xC000)]
    [InlineData(1.00390625f, 0x3F80)]   // exactly half-way between 0x3F80 and 0x3F81: ties to even
    [InlineData(1.01171875f, 0x3F82)]   // half-way between 0x3F81 and 0x3F82: ties to even (up)
    [InlineData(3.3895314e38f, 0x7F7F)] // the largest finite bfloat16
    [InlineData(float.MaxValue, 0x7F80)] // rounds up to infinity like torch
    public void BFloat16RoundsToNearestEven(float value, int expected) =>
        Assert.Equal((ushort)expected, ElementConversion.Float32ToBFloat16(value));

    [Fact]
    public void BFloat16WideningMatchesScalarForLongSpans()
    {
        var src = Enumerable.Range(0, 1000).Select(i => (ushort)(i * 65 + 3)).ToArray();
        var dst = new float[src.Length];
        ElementConversion.BFloat16ToFloat32(src, dst);
        for (int i = 0; i < src.Length; i++) Assert.Equal(BitConverter.UInt32BitsToSingle((uint)src[i] << 16), dst[i]);
    }

    [Fact]
    public void RejectsTruncatedFile()
    {
        using var dir = new TempDir();
        var ex = OpenFails(dir, [1, 2, 3]);
        Assert.Contains("too short", ex.Message);
    }

    [Fact]
    public void RejectsHeaderLongerThanFile()
    {
        using var dir = new TempDir();
        var bytes = RawFile("{}", 0);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1000);
        Assert.Contains("past the end", OpenFails(dir, bytes).Message);
    }

    [Fact]
    public void RejectsAbsurdHeaderLength()
    {
        using var dir = new TempDir();
        var bytes = RawFile("{}", 0);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue);
        Assert.Contains("limit", OpenFails(dir, bytes).Message);
    }

    [Fact]
    public void RejectsOffsetPastTheEnd()
    {
        using var dir = new TempDir();
        var ex = OpenFails(dir, RawFile("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", 8));
        Assert.Contains("'w'", ex.Message);
        Assert.Contains("past the end", ex.Message);
    }

    [Fact]
    public void RejectsOverlappingTensors()
    {
        using var dir = new TempDir();
        var ex = OpenFails(dir, RawFile("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12));
        Assert.Contains("overlap", ex.Message);
        Assert.Contains("'a'", ex.Message);
        Assert.Contains("'b'", ex.Message);
    }

    [Fact]
    public void RejectsByteSizeThatDisagreesWithShape()
    {
        using var dir = new TempDir();
        var ex = OpenFails(dir, RawFile("""{"w":{"dtype":"F16","shape":[3],"data_offsets":[0,8]}}""", 8));
        Assert.Contains("'w'", ex.Message);
        Assert.Contains("needs 6", ex.Message);
    }

    [Theory]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]""", "not valid JSON")]
    [InlineData("""[1,2]""", "JSON object")]
    [InlineData("""{"w":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}}""", "unsupported dtype 'Q4'")]
    [InlineData("""{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", "shape")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}""", "data_offsets")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2]}}""", "data_offsets")]
    [InlineData("""{"w":{"shape":[2],"data_offsets":[0,8]}}""", "dtype")]
    [InlineData("""{"w":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,8]}}""", "overflow")]
    [InlineData("""{"__metadata__":{"a":1}}""", "__metadata__")]
    public void RejectsMalformedHeaders(string header, string expected)
    {
        using var dir = new TempDir();
        Assert.Contains(expected, OpenFails(dir, RawFile(header, 8)).Message);
    }

    [Fact]
    public void ReadsShardedCheckpointThroughIndex()
    {
        using var dir = new TempDir();
        SafetensorsWriter.Write(dir.File("model-00001-of-00002.safetensors"), [SafetensorsTensor.FromFloat32("a", [1, 2], [2])]);
        SafetensorsWriter.Write(dir.File("model-00002-of-00002.safetensors"), [SafetensorsTensor.FromFloat32("b", [3], [1])]);
        File.WriteAllText(dir.File(SafetensorsCheckpoint.IndexFileName),
            """{"metadata":{"total_size":12},"weight_map":{"a":"model-00001-of-00002.safetensors","b":"model-00002-of-00002.safetensors"}}""");
        using var ckpt = SafetensorsCheckpoint.Open(dir.Path);
        Assert.Equal([1f, 2f], ckpt.ReadFloat32("a"));
        Assert.Equal([3f], ckpt.ReadFloat32("b"));
        Assert.Equal(2, ckpt.Files.Count);
        Assert.Throws<InvalidModelFileException>(() => ckpt.ReadFloat32("c"));
    }

    [Fact]
    public void IndexThatLiesAboutShardsIsRejected()
    {
        using var dir = new TempDir();
        SafetensorsWriter.Write(dir.File("s1.safetensors"), [SafetensorsTensor.FromFloat32("a", [1], [1])]);
        File.WriteAllText(dir.File(SafetensorsCheckpoint.IndexFileName), """{"weight_map":{"a":"s1.safetensors","b":"s1.safetensors"}}""");
        var ex = Assert.Throws<InvalidModelFileException>(() => SafetensorsCheckpoint.Open(dir.Path));
        Assert.Contains("'b'", ex.Message);
        File.WriteAllText(dir.File(SafetensorsCheckpoint.IndexFileName), """{"weight_map":{"a":"missing.safetensors"}}""");
        Assert.Contains("missing.safetensors", Assert.Throws<InvalidModelFileException>(() => SafetensorsCheckpoint.Open(dir.Path)).Message);
    }

    [Fact]
    public void CancelledWriteLeavesNoFile()
    {
        using var dir = new TempDir();
        using var cts = new CancellationTokenSource();
        var path = dir.File("out.safetensors");
        var tensors = new[]
        {
            SafetensorsTensor.FromFloat32("a", [1], [1]),
            new SafetensorsTensor("b", SafetensorsDType.F32, [1], () => { cts.Cancel(); return new byte[4]; }),
            new SafetensorsTensor("c", SafetensorsDType.F32, [1], () => new byte[4]),
        };
        Assert.ThrowsAny<OperationCanceledException>(() => SafetensorsWriter.Write(path, tensors, null, cts.Token));
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void RandomCorruptionGivesAClearErrorOrAValidFile()
    {
        using var dir = new TempDir();
        var good = dir.File("good.safetensors");
        SafetensorsWriter.Write(good, [SafetensorsTensor.FromFloat32("x", [1, 2, 3, 4], [2, 2]), SafetensorsTensor.FromFloat32("y", [5], [1], SafetensorsDType.BF16)]);
        var original = File.ReadAllBytes(good);
        var rng = new Random(42);
        var path = dir.File("fuzz.safetensors");
        for (int iter = 0; iter < 400; iter++)
        {
            var bytes = (byte[])original.Clone();
            switch (iter % 3)
            {
                case 0: bytes[rng.Next(bytes.Length)] = (byte)rng.Next(256); break;
                case 1: Array.Resize(ref bytes, rng.Next(bytes.Length)); break;
                default: for (int k = 0; k < 4; k++) bytes[rng.Next(Math.Min(bytes.Length, 120))] = (byte)"{}[]\",:0123456789"[rng.Next(17)]; break;
            }
            File.WriteAllBytes(path, bytes);
            try
            {
                using var f = SafetensorsFile.Open(path);
                foreach (var t in f.Tensors)
                    if (SafetensorsDTypes.ConvertsToFloat32(t.DType)) f.ReadFloat32(t.Name);
            }
            catch (InvalidModelFileException) { }
        }
    }
}
