using AwqSharp.Kernels;
using AwqSharp.Kernels.Float16;

namespace AwqSharp.Tests.Kernels;

/// <summary>
/// The 16-bit weight kernels: exact widening of every binary16 and bfloat16 value on every path, and products that
/// are bitwise those of the float32 kernels on the widened weights (and close to a float64 reference).
/// </summary>
public class HalfMatrixTests
{
    public static TheoryData<string, HalfFormat> IsasAndFormats()
    {
        var data = new TheoryData<string, HalfFormat>();
        foreach (var isa in KernelIsaSelector.Supported)
            foreach (var format in new[] { HalfFormat.Float16, HalfFormat.BFloat16 })
                data.Add(isa.ToString(), format);
        return data;
    }

    /// <summary>Every 16-bit pattern the format allows (binary16: all but ±∞ and NaN), in order.</summary>
    private static ushort[] AllValues(HalfFormat format) =>
        Enumerable.Range(0, 1 << 16).Select(i => (ushort)i)
            .Where(h => format == HalfFormat.BFloat16 || (h & 0x7C00) != 0x7C00).ToArray();

    /// <summary>The independent conversion: .NET's <see cref="Half"/> for binary16, the float32 upper half for bfloat16.</summary>
    private static float Reference(ushort h, HalfFormat format) =>
        format == HalfFormat.Float16 ? (float)BitConverter.UInt16BitsToHalf(h) : BitConverter.Int32BitsToSingle(h << 16);

    [Theory]
    [MemberData(nameof(IsasAndFormats))]
    public void WideningIsExactForEveryValue(string isaName, HalfFormat format)
    {
        var values = AllValues(format);
        var widened = new float[values.Length];
        HalfMatrix.Widen(values, widened, format, KernelTestData.Isa(isaName));
        for (int i = 0; i < values.Length; i++)
        {
            float expected = Reference(values[i], format);
            // Bit patterns, so that -0 and every NaN payload (bfloat16) count too.
            Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(widened[i]),
                $"{isaName} {format} 0x{values[i]:X4}: {widened[i]} (0x{BitConverter.SingleToInt32Bits(widened[i]):X8}), expected {expected}");
        }
    }

    [Fact]
    public void ScalarWideningIsExactForEveryValue()
    {
        foreach (var format in new[] { HalfFormat.Float16, HalfFormat.BFloat16 })
            foreach (ushort h in AllValues(format))
                Assert.True(BitConverter.SingleToInt32Bits(Reference(h, format)) == BitConverter.SingleToInt32Bits(HalfBits.ToSingle(h, format)),
                    $"{format} 0x{h:X4}: {HalfBits.ToSingle(h, format)}, expected {Reference(h, format)}");
    }

    /// <summary>
    /// The decode kernel widens in registers with its own code path: multiplying by one-hot activations reads every
    /// column back, so each finite value (zeros and subnormals included, in every lane position) must come out exact.
    /// </summary>
    [Theory]
    [MemberData(nameof(IsasAndFormats))]
    public void DecodeKernelReadsEveryValueExactly(string isaName, HalfFormat format)
    {
        var values = AllValues(format).Where(h => float.IsFinite(Reference(h, format))).ToArray();
        const int k = 48; // three AVX-512 vectors: every value passes through every lane of some vector
        int rows = values.Length / k;
        var matrix = new HalfMatrix(values.AsSpan(0, rows * k).ToArray(), rows, k, format);
        var x = new float[k];
        var y = new float[rows];
        for (int c = 0; c < k; c++)
        {
            Array.Clear(x);
            x[c] = 1;
            matrix.MultiplyCore(x, y, 1, default, KernelTestData.Isa(isaName), degree: 2);
            for (int r = 0; r < rows; r++)
                Assert.True(y[r] == Reference(values[r * k + c], format), $"{isaName} {format} [{r}, {c}] = 0x{values[r * k + c]:X4}: got {y[r]}");
        }
    }

    public static TheoryData<int, int, int, string, HalfFormat> Shapes()
    {
        int[][] shapes = [[1, 1, 1], [1, 3, 17], [1, 63, 65], [1, 2053, 130], [2, 17, 3], [3, 129, 300], [5, 300, 129], [17, 65, 257], [100, 770, 300]];
        var data = new TheoryData<int, int, int, string, HalfFormat>();
        foreach (var s in shapes)
            foreach (var isa in KernelIsaSelector.Supported)
                foreach (var format in new[] { HalfFormat.Float16, HalfFormat.BFloat16 })
                    data.Add(s[0], s[1], s[2], isa.ToString(), format);
        return data;
    }

    /// <summary>Random 16-bit weights of the given format (a few exact zeros and binary16 subnormals mixed in).</summary>
    private static HalfMatrix RandomMatrix(int seed, int n, int k, HalfFormat format)
    {
        var rng = new Random(seed);
        var bits = new ushort[(long)n * k];
        for (long i = 0; i < bits.Length; i++)
        {
            float v = (float)((rng.NextDouble() * 2 - 1) / Math.Sqrt(k));
            if (rng.Next(50) == 0) v = 0;
            else if (rng.Next(50) == 0) v *= 1e-3f; // binary16 subnormal range
            bits[i] = format == HalfFormat.Float16
                ? BitConverter.HalfToUInt16Bits((Half)v)
                : (ushort)(BitConverter.SingleToUInt32Bits(v) >> 16);
        }
        return new HalfMatrix(bits, n, k, format);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ProductsAreBitwiseTheFloat32KernelsOnWidenedWeights(int m, int k, int n, string isaName, HalfFormat format)
    {
        var isa = KernelTestData.Isa(isaName);
        var w = RandomMatrix(m + 31 * k + n, n, k, format);
        var wide = w.ToSingle();
        var x = KernelTestData.Uniform(7 + m, (long)m * k);
        var bias = KernelTestData.Uniform(11, n);
        foreach (var b in new[] { null, bias })
        {
            var expected = new float[(long)m * n];
            MatMul.MultiplyTransposedCore(x, wide, expected, m, k, n, b, isa, degree: 1);
            foreach (int degree in new[] { 1, 2 })
            {
                var y = Enumerable.Repeat(float.NaN, m * n).ToArray(); // must overwrite, never accumulate
                w.MultiplyCore(x, y, m, b, isa, degree);
                for (int i = 0; i < y.Length; i++)
                    Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(y[i]),
                        $"{isa} {format} {m}x{k}x{n} bias={b is not null} threads={degree} [{i}]: {y[i]} vs {expected[i]}");
            }
            KernelTestData.AssertClose(expected, Float64Reference.MultiplyTransposed(x, wide, m, k, n, b), $"{isa} {format} {m}x{k}x{n}");
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 5)]
    [InlineData(4, 16)]
    [InlineData(5, 33)]
    [InlineData(9, 47)]
    public void TiledLayoutKeepsEveryElement(int rows, int cols)
    {
        var bits = Enumerable.Range(0, rows * cols).Select(i => (ushort)(0x3C00 + i)).ToArray();
        var matrix = new HalfMatrix(bits, rows, cols, HalfFormat.Float16);
        Assert.Equal(bits, matrix.ToBits());
        var wide = matrix.ToSingle();
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
            {
                Assert.Equal(Reference(bits[r * cols + c], HalfFormat.Float16), matrix[r, c]);
                Assert.Equal(matrix[r, c], wide[r * cols + c]);
            }
        Assert.Equal((long)(rows + 3) / 4 * 4 * cols * sizeof(ushort), matrix.ByteLength);
    }

    [Fact]
    public void NonFiniteBinary16WeightsAreRejectedWithTheirPosition()
    {
        var bits = new ushort[6];
        bits[4] = 0xFC00; // -inf at [1, 1]
        var e = Assert.Throws<ArgumentException>(() => new HalfMatrix(bits, 2, 3, HalfFormat.Float16));
        Assert.Contains("[1, 1]", e.Message);
        bits[4] = 0;
        bits[2] = 0x7E00; // NaN at [0, 2]
        e = Assert.Throws<ArgumentException>(() => new HalfMatrix(bits, 2, 3, HalfFormat.Float16));
        Assert.Contains("[0, 2]", e.Message);
        Assert.Throws<ArgumentException>(() => new HalfMatrix(new ushort[5], 2, 3, HalfFormat.Float16));
    }

    [Fact]
    public void ShapeMismatchesAreRejected()
    {
        var w = RandomMatrix(1, 4, 8, HalfFormat.Float16);
        Assert.Throws<ArgumentException>(() => w.Multiply(new float[7], new float[4], 1));
        Assert.Throws<ArgumentException>(() => w.Multiply(new float[8], new float[3], 1));
        Assert.Throws<ArgumentException>(() => w.Multiply(new float[8], new float[4], 1, new float[3]));
    }
}
