using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AwqSharp.Kernels;

/// <summary>
/// Sums of float32 data accumulated in float64, vectorized. A float's square is exact in float64, so the only
/// rounding is in the additions: relative error about <c>n · 2⁻⁵³</c>, far below float32 resolution.
/// Each path adds in one fixed order.
/// </summary>
internal static unsafe class DoubleSums
{
    /// <summary><c>Σ x[i]²</c> in float64.</summary>
    public static double SumOfSquares(ReadOnlySpan<float> x, KernelIsa isa = KernelIsa.Auto) => Run(x, isa, squares: true);

    /// <summary><c>Σ x[i]</c> in float64.</summary>
    public static double Sum(ReadOnlySpan<float> x, KernelIsa isa = KernelIsa.Auto) => Run(x, isa, squares: false);

    private static double Run(ReadOnlySpan<float> x, KernelIsa isa, bool squares)
    {
        fixed (float* p = x)
        {
            return KernelIsaSelector.Resolve(isa) switch
            {
                KernelIsa.Avx512 => Avx512Path(p, x.Length, squares),
                KernelIsa.Avx2 => Avx2Path(p, x.Length, squares),
                _ => PortablePath(p, x.Length, squares),
            };
        }
    }

    private static double Avx512Path(float* p, int n, bool squares)
    {
        Vector512<double> acc0 = Vector512<double>.Zero, acc1 = Vector512<double>.Zero;
        int i = 0;
        for (; i <= n - 16; i += 16)
        {
            var lo = Avx512F.ConvertToVector512Double(Avx.LoadVector256(p + i));
            var hi = Avx512F.ConvertToVector512Double(Avx.LoadVector256(p + i + 8));
            if (squares) { lo = Avx512F.Multiply(lo, lo); hi = Avx512F.Multiply(hi, hi); }
            acc0 = Avx512F.Add(acc0, lo);
            acc1 = Avx512F.Add(acc1, hi);
        }
        var acc = Avx512F.Add(acc0, acc1);
        return Finish(Avx.Add(acc.GetLower(), acc.GetUpper()), p, i, n, squares);
    }

    private static double Avx2Path(float* p, int n, bool squares)
    {
        Vector256<double> acc0 = Vector256<double>.Zero, acc1 = Vector256<double>.Zero;
        int i = 0;
        for (; i <= n - 8; i += 8)
        {
            var lo = Avx.ConvertToVector256Double(Sse.LoadVector128(p + i));
            var hi = Avx.ConvertToVector256Double(Sse.LoadVector128(p + i + 4));
            if (squares) { lo = Avx.Multiply(lo, lo); hi = Avx.Multiply(hi, hi); }
            acc0 = Avx.Add(acc0, lo);
            acc1 = Avx.Add(acc1, hi);
        }
        return Finish(Avx.Add(acc0, acc1), p, i, n, squares);
    }

    private static double PortablePath(float* p, int n, bool squares)
    {
        Vector128<double> acc0 = Vector128<double>.Zero, acc1 = Vector128<double>.Zero;
        int i = 0;
        for (; i <= n - 4; i += 4)
        {
            var v = Vector128.Load(p + i);
            var lo = Vector128.WidenLower(v);
            var hi = Vector128.WidenUpper(v);
            if (squares) { lo *= lo; hi *= hi; }
            acc0 += lo;
            acc1 += hi;
        }
        var acc = acc0 + acc1;
        return Tail(acc.GetElement(0) + acc.GetElement(1), p, i, n, squares);
    }

    private static double Finish(Vector256<double> acc, float* p, int i, int n, bool squares)
        => Tail((acc.GetElement(0) + acc.GetElement(2)) + (acc.GetElement(1) + acc.GetElement(3)), p, i, n, squares);

    private static double Tail(double sum, float* p, int i, int n, bool squares)
    {
        for (; i < n; i++)
        {
            double v = p[i];
            sum += squares ? v * v : v;
        }
        return sum;
    }
}
