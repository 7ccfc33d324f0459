using System.Buffers;

namespace AwqSharp.Quantization.Gptq;

/// <summary>
/// <c>S += XᵀX</c> (upper triangle) in float64 for a float32 token batch X: the Hessian accumulation's hot loop.
/// </summary>
/// <remarks>
/// Each pass converts up to <see cref="TokensPerPass"/> tokens to float64 panels <c>[column/16][token][16]</c>
/// (zero-padded), then every task takes one band of 4 rows and sweeps the 2-vector column tiles on and right of the
/// diagonal: per token, 2 vector loads, 4 broadcasts and 8 fused multiply-adds into register accumulators, added to
/// S at the end of the pass. Each S element is one FMA chain over the pass's tokens in order: the same bits on every
/// instruction-set path and thread count.
/// </remarks>
internal static unsafe class HessianKernel
{
    /// <summary>Panel width in columns (two 512-bit vectors of doubles; narrower paths split it).</summary>
    public const int PanelWidth = 16;
    /// <summary>Rows per register tile (and per task).</summary>
    public const int TileRows = 4;
    /// <summary>Tokens converted and accumulated per pass (bounds the float64 panel buffer).</summary>
    public const int TokensPerPass = 256;
    /// <summary>Below this many multiply-adds per pass the work stays on the calling thread.</summary>
    private const long ParallelMinMultiplyAdds = 1L << 18;

    public static int PaddedColumns(int columns) => (columns + PanelWidth - 1) / PanelWidth * PanelWidth;

    /// <summary>Adds the upper triangle (and a few elements below the diagonal) of <c>XᵀX</c> to <paramref name="sums"/> (<c>[stride, stride]</c>).</summary>
    public static void AddUpper(ReadOnlySpan<float> x, int rows, int columns, double[] sums, int stride, SimdPath path, int degree)
    {
        int panels = stride / PanelWidth;
        int maxTokens = Math.Min(rows, TokensPerPass);
        var buffer = ArrayPool<double>.Shared.Rent(panels * maxTokens * PanelWidth);
        try
        {
            fixed (float* px = x)
            fixed (double* pp = buffer, ps = sums)
            {
                for (int t0 = 0; t0 < rows; t0 += TokensPerPass)
                {
                    int tokens = Math.Min(TokensPerPass, rows - t0);
                    Pack(px + (long)t0 * columns, tokens, columns, pp, panels);
                    long work = (long)tokens * stride * stride / 2;
                    int bands = (columns + TileRows - 1) / TileRows;
                    int threads = work < ParallelMinMultiplyAdds ? 1 : degree;
                    double* panel = pp, s = ps;
                    Kernels.Parallelism.For(bands, threads, band => RunBand(path, panel, tokens, panels, s, stride, band * TileRows));
                }
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(buffer);
        }
    }

    /// <summary>Converts <paramref name="tokens"/> rows of x into panels <c>[panel][token][16]</c>, zero-padding the last panel.</summary>
    private static void Pack(float* x, int tokens, int columns, double* panels, int panelCount)
    {
        for (int p = 0; p < panelCount; p++)
        {
            int c0 = p * PanelWidth, width = Math.Min(PanelWidth, columns - c0);
            double* dst = panels + (long)p * tokens * PanelWidth;
            for (int t = 0; t < tokens; t++, dst += PanelWidth)
            {
                float* src = x + (long)t * columns + c0;
                int c = 0;
                for (; c < width; c++) dst[c] = src[c];
                for (; c < PanelWidth; c++) dst[c] = 0;
            }
        }
    }

    private static void RunBand(SimdPath path, double* panels, int tokens, int panelCount, double* sums, int stride, int row0)
    {
        switch (path)
        {
            case SimdPath.Vector512: Band<System.Runtime.Intrinsics.Vector512<double>, V512D>(panels, tokens, panelCount, sums, stride, row0); break;
            case SimdPath.Vector256: Band<System.Runtime.Intrinsics.Vector256<double>, V256D>(panels, tokens, panelCount, sums, stride, row0); break;
            case SimdPath.Vector128: Band<System.Runtime.Intrinsics.Vector128<double>, V128D>(panels, tokens, panelCount, sums, stride, row0); break;
            default: Band<double, Scalar64>(panels, tokens, panelCount, sums, stride, row0); break;
        }
    }

    /// <summary>Rows [row0, row0 + 4) of S, columns from the tile holding the diagonal to the end.</summary>
    private static void Band<TVec, TOps>(double* panels, int tokens, int panelCount, double* sums, int stride, int row0)
        where TVec : struct where TOps : IGptqDoubleOps<TVec>
    {
        int c = TOps.Count, tile = 2 * c;
        // The broadcast operands: this band's 4 columns inside its panel.
        double* a = panels + (long)(row0 / PanelWidth) * tokens * PanelWidth + row0 % PanelWidth;
        for (int j0 = row0 / tile * tile; j0 < panelCount * PanelWidth; j0 += tile)
        {
            double* b = panels + (long)(j0 / PanelWidth) * tokens * PanelWidth + j0 % PanelWidth;
            TVec s00 = TOps.Zero, s01 = TOps.Zero, s10 = TOps.Zero, s11 = TOps.Zero;
            TVec s20 = TOps.Zero, s21 = TOps.Zero, s30 = TOps.Zero, s31 = TOps.Zero;
            double* ap = a, bp = b;
            for (int t = 0; t < tokens; t++, ap += PanelWidth, bp += PanelWidth)
            {
                TVec b0 = TOps.Load(bp), b1 = TOps.Load(bp + c);
                TVec x = TOps.Broadcast(ap[0]);
                s00 = TOps.Fma(x, b0, s00); s01 = TOps.Fma(x, b1, s01);
                x = TOps.Broadcast(ap[1]);
                s10 = TOps.Fma(x, b0, s10); s11 = TOps.Fma(x, b1, s11);
                x = TOps.Broadcast(ap[2]);
                s20 = TOps.Fma(x, b0, s20); s21 = TOps.Fma(x, b1, s21);
                x = TOps.Broadcast(ap[3]);
                s30 = TOps.Fma(x, b0, s30); s31 = TOps.Fma(x, b1, s31);
            }
            double* r = sums + (long)row0 * stride + j0;
            Accumulate<TVec, TOps>(r, c, s00, s01);
            Accumulate<TVec, TOps>(r + stride, c, s10, s11);
            Accumulate<TVec, TOps>(r + 2 * stride, c, s20, s21);
            Accumulate<TVec, TOps>(r + 3 * stride, c, s30, s31);
        }
    }

    private static void Accumulate<TVec, TOps>(double* r, int c, TVec lo, TVec hi) where TVec : struct where TOps : IGptqDoubleOps<TVec>
    {
        TOps.Store(r, TOps.Add(TOps.Load(r), lo));
        TOps.Store(r + c, TOps.Add(TOps.Load(r + c), hi));
    }
}
