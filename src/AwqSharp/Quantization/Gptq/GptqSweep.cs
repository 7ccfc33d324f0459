using System.Runtime.Intrinsics;

namespace AwqSharp.Quantization.Gptq;

/// <summary>One linear's column sweep, ready to run: weights and factor in sweep (possibly act-order) column order.</summary>
internal sealed class SweepProblem
{
    /// <summary><c>[Rows, Cols]</c> row-major, columns in sweep order, dead columns zeroed. Not modified.</summary>
    public required float[] Weight { get; init; }
    public required int Rows { get; init; }
    public required int Cols { get; init; }
    public required InverseHessianFactor Factor { get; init; }
    public required int BlockSize { get; init; }
    public required int MaxQ { get; init; }
    public required bool Symmetric { get; init; }
    /// <summary>Group size along the original column order (InFeatures when per-channel).</summary>
    public required int GroupSize { get; init; }
    public required int Groups { get; init; }
    /// <summary>Re-fit group <c>col / GroupSize</c> when the sweep reaches a column with <c>col % GroupSize == 0</c> (natural order only).</summary>
    public required bool DynamicGroups { get; init; }
    /// <summary>Group of each sweep column, for the fixed-parameter modes (static groups, per-channel).</summary>
    public required int[] GroupOfColumn { get; init; }
    /// <summary>Original index of each sweep column (the inverse of the act-order permutation).</summary>
    public required int[] OriginalColumn { get; init; }
    /// <summary><c>[Rows, Groups]</c>: read in the fixed-parameter modes, written by the sweep with dynamic groups.</summary>
    public required float[] Scales { get; init; }
    public required float[] Zeros { get; init; }
    /// <summary>Output: <c>[Rows, Cols]</c> codes in the original column order.</summary>
    public required byte[] Codes { get; init; }
    /// <summary>Output: per row, <c>Σ (w - q)² / d²</c> over its columns (the reference's Losses, before the final / 2).</summary>
    public required double[] RowLoss { get; init; }
}

/// <summary>
/// GPTQ's column sweep (IST-DASLab/gptq <c>fasterquant</c>'s loops): per block of <c>BlockSize</c> columns, quantize
/// each column, spread its error <c>(w - q) / U[i, i]</c> over the block's later columns with row i of U, then apply
/// the block's errors to all later columns at once (the lazy batch update, a GEMM).
/// </summary>
/// <remarks>
/// GPTQ treats every output row independently (the factor U is shared), so the sweep runs on tiles of two vectors'
/// worth of rows, kept transposed (<c>[column][row]</c>) so that quantizing a column, the rank-1 in-block updates and
/// the lazy update are all full-width vector operations; tiles run in parallel. Each row's arithmetic is one fixed
/// sequence of IEEE operations and fused multiply-adds whatever the tile height, instruction set or thread count,
/// so the result is the same bits on every path.
/// </remarks>
internal static unsafe class GptqSweep
{
    /// <summary>Runs the sweep on the widest path and up to <paramref name="degree"/> threads (0: the process default).</summary>
    public static void Run(SweepProblem p, SimdPath path, int degree, CancellationToken cancellationToken = default)
    {
        var diag = DiagonalBlocks(p.Factor, p.BlockSize, out var offsets);
        int tileRows = 2 * LaneCount(path);
        int tiles = (p.Rows + tileRows - 1) / tileRows;
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            RunTiles(p, path, degree, diag, offsets, tileRows, tiles, cancellationToken);
        }
        catch (AggregateException e) when (e.InnerExceptions.All(x => x is OperationCanceledException))
        {
            throw new OperationCanceledException(cancellationToken);
        }
    }

    private static void RunTiles(SweepProblem p, SimdPath path, int degree, float[] diag, int[] offsets, int tileRows, int tiles,
        CancellationToken cancellationToken)
    {
        Kernels.Parallelism.For(tiles, Kernels.Parallelism.Resolve(degree),
            () => new Scratch(p, tileRows),
            (t, scratch) =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                switch (path)
                {
                    case SimdPath.Vector512: Tile<Vector512<float>, V512F>(p, diag, offsets, t * tileRows, scratch); break;
                    case SimdPath.Vector256: Tile<Vector256<float>, V256F>(p, diag, offsets, t * tileRows, scratch); break;
                    case SimdPath.Vector128: Tile<Vector128<float>, V128F>(p, diag, offsets, t * tileRows, scratch); break;
                    default: Tile<float, Scalar32>(p, diag, offsets, t * tileRows, scratch); break;
                }
            },
            _ => { });
    }

    public static int LaneCount(SimdPath path) => path switch
    {
        SimdPath.Vector512 => Vector512<float>.Count,
        SimdPath.Vector256 => Vector256<float>.Count,
        SimdPath.Vector128 => Vector128<float>.Count,
        _ => 1,
    };

    /// <summary>Per block, <c>U[i1 + i, i1 + j]</c> as a contiguous <c>[count, count]</c> matrix (upper triangle).</summary>
    internal static float[] DiagonalBlocks(InverseHessianFactor factor, int blockSize, out int[] offsets)
    {
        int d = factor.Columns;
        int blocks = (d + blockSize - 1) / blockSize;
        offsets = new int[blocks];
        long total = 0;
        for (int b = 0; b < blocks; b++)
        {
            int count = Math.Min(blockSize, d - b * blockSize);
            offsets[b] = checked((int)total);
            total += (long)count * count;
        }
        var result = new float[total];
        for (int b = 0; b < blocks; b++)
        {
            int i1 = b * blockSize, count = Math.Min(blockSize, d - i1);
            for (int i = 0; i < count; i++)
                for (int j = i; j < count; j++)
                    result[offsets[b] + i * count + j] = factor.Upper(i1 + i, i1 + j);
        }
        return result;
    }

    /// <summary>One thread's buffers, reused across its tiles.</summary>
    private sealed class Scratch(SweepProblem p, int tileRows)
    {
        public readonly float[] Tile = new float[(long)p.Cols * tileRows];
        public readonly float[] Block = new float[p.BlockSize * tileRows];
        public readonly float[] Errors = new float[p.BlockSize * tileRows];
        public readonly float[] Scale = new float[tileRows];
        public readonly float[] Zero = new float[tileRows];
        public readonly float[] Lanes = new float[tileRows];
        public readonly float[] Lanes2 = new float[tileRows];
    }

    private static void Tile<TVec, TOps>(SweepProblem p, float[] diagBlocks, int[] offsets, int row0, Scratch s)
        where TVec : struct where TOps : IGptqFloatOps<TVec>
    {
        int c = TOps.Count, tr = 2 * c, cols = p.Cols, d = p.Factor.Columns;
        int valid = Math.Min(tr, p.Rows - row0);
        // Transposed tile: wt[col * tr + r] = W[row0 + r, col]; padding rows are zero.
        var wtArray = s.Tile;
        for (int r = 0; r < tr; r++)
        {
            if (r < valid)
            {
                var src = p.Weight.AsSpan((row0 + r) * cols, cols);
                for (int col = 0; col < cols; col++) wtArray[col * tr + r] = src[col];
            }
            else
                for (int col = 0; col < cols; col++) wtArray[col * tr + r] = 0;
        }
        TVec maxq = TOps.Broadcast(p.MaxQ);
        int currentGroup = -1;
        TVec loss0 = TOps.Zero, loss1 = TOps.Zero;
        fixed (float* wt = wtArray, w1 = s.Block, err = s.Errors, scale = s.Scale, zero = s.Zero, lanes = s.Lanes, lanes2 = s.Lanes2)
        fixed (float* diag = diagBlocks, ut = p.Factor.Transposed)
        {
            for (int b = 0, i1 = 0; i1 < cols; b++, i1 += p.BlockSize)
            {
                int i2 = Math.Min(i1 + p.BlockSize, cols), count = i2 - i1;
                new Span<float>(wt + (long)i1 * tr, count * tr).CopyTo(new Span<float>(w1, count * tr));
                float* dg = diag + offsets[b];
                for (int i = 0; i < count; i++)
                {
                    int col = i1 + i;
                    if (p.DynamicGroups)
                    {
                        if (col % p.GroupSize == 0)
                            FitGroup<TVec, TOps>(p, wt, tr, col, Math.Min(col + p.GroupSize, cols), row0, valid, scale, zero, lanes, lanes2);
                    }
                    else if (p.GroupOfColumn[col] != currentGroup)
                    {
                        currentGroup = p.GroupOfColumn[col];
                        for (int r = 0; r < tr; r++)
                        {
                            scale[r] = r < valid ? p.Scales[(row0 + r) * p.Groups + currentGroup] : 1;
                            zero[r] = r < valid ? p.Zeros[(row0 + r) * p.Groups + currentGroup] : 0;
                        }
                    }
                    TVec s0 = TOps.Load(scale), s1 = TOps.Load(scale + c), z0 = TOps.Load(zero), z1 = TOps.Load(zero + c);
                    float* wi = w1 + i * tr;
                    TVec x0 = TOps.Load(wi), x1 = TOps.Load(wi + c);
                    TVec q0 = TOps.Min(TOps.Max(TOps.Add(TOps.Round(TOps.Divide(x0, s0)), z0), TOps.Zero), maxq);
                    TVec q1 = TOps.Min(TOps.Max(TOps.Add(TOps.Round(TOps.Divide(x1, s1)), z1), TOps.Zero), maxq);
                    TVec diff0 = TOps.Subtract(x0, TOps.Multiply(s0, TOps.Subtract(q0, z0)));
                    TVec diff1 = TOps.Subtract(x1, TOps.Multiply(s1, TOps.Subtract(q1, z1)));
                    float* hrow = dg + i * count;
                    TVec dd = TOps.Broadcast(hrow[i]);
                    TVec d2 = TOps.Multiply(dd, dd);
                    loss0 = TOps.Add(loss0, TOps.Divide(TOps.Multiply(diff0, diff0), d2));
                    loss1 = TOps.Add(loss1, TOps.Divide(TOps.Multiply(diff1, diff1), d2));
                    TVec e0 = TOps.Divide(diff0, dd), e1 = TOps.Divide(diff1, dd);
                    TOps.Store(err + i * tr, e0);
                    TOps.Store(err + i * tr + c, e1);
                    TOps.Store(lanes, q0);
                    TOps.Store(lanes + c, q1);
                    int original = p.OriginalColumn[col];
                    for (int r = 0; r < valid; r++) p.Codes[(row0 + r) * cols + original] = (byte)lanes[r];

                    // W1[:, j] -= err · U[i, j] for the block's later columns.
                    TVec n0 = TOps.Negate(e0), n1 = TOps.Negate(e1);
                    float* wj = wi + tr;
                    for (int j = i + 1; j < count; j++, wj += tr)
                    {
                        TVec h = TOps.Broadcast(hrow[j]);
                        TOps.Store(wj, TOps.Fma(n0, h, TOps.Load(wj)));
                        TOps.Store(wj + c, TOps.Fma(n1, h, TOps.Load(wj + c)));
                    }
                }
                LazyUpdate<TVec, TOps>(wt, err, ut, tr, d, i1, count, i2, cols);
            }
            TOps.Store(lanes, loss0);
            TOps.Store(lanes + c, loss1);
            for (int r = 0; r < valid; r++) p.RowLoss[row0 + r] = lanes[r];
        }
    }

    /// <summary>find_params per row over columns [start, end) of the tile (the outer W: updated by earlier blocks only, as the reference).</summary>
    private static void FitGroup<TVec, TOps>(SweepProblem p, float* wt, int tr, int start, int end, int row0, int valid,
        float* scale, float* zero, float* mins, float* maxs)
        where TVec : struct where TOps : IGptqFloatOps<TVec>
    {
        int c = TOps.Count;
        TVec mn0 = TOps.Broadcast(float.PositiveInfinity), mn1 = mn0;
        TVec mx0 = TOps.Broadcast(float.NegativeInfinity), mx1 = mx0;
        for (int col = start; col < end; col++)
        {
            float* w = wt + (long)col * tr;
            TVec a = TOps.Load(w), b = TOps.Load(w + c);
            mn0 = TOps.Min(mn0, a); mn1 = TOps.Min(mn1, b);
            mx0 = TOps.Max(mx0, a); mx1 = TOps.Max(mx1, b);
        }
        TOps.Store(mins, mn0); TOps.Store(mins + c, mn1);
        TOps.Store(maxs, mx0); TOps.Store(maxs + c, mx1);
        int group = start / p.GroupSize;
        for (int r = 0; r < tr; r++)
        {
            var (sc, z) = GptqGroupParameters.Find(mins[r], maxs[r], p.MaxQ, p.Symmetric);
            scale[r] = sc; zero[r] = z;
            if (r < valid)
            {
                p.Scales[(row0 + r) * p.Groups + group] = sc;
                p.Zeros[(row0 + r) * p.Groups + group] = z;
            }
        }
    }

    /// <summary>
    /// <c>W[:, j] -= Σ_k Err[:, k] · U[i1 + k, j]</c> for every column j ≥ i2: per 4 columns, 8 register accumulators
    /// (each one FMA chain over k ascending), then one subtraction, as <c>W[:, i2:] -= Err1 @ Hinv[i1:i2, i2:]</c>.
    /// </summary>
    internal static void LazyUpdate<TVec, TOps>(float* wt, float* err, float* ut, int tr, int d, int i1, int count, int i2, int cols)
        where TVec : struct where TOps : IGptqFloatOps<TVec>
    {
        int c = TOps.Count;
        int j = i2;
        for (; j + 4 <= cols; j += 4)
        {
            TVec a00 = TOps.Zero, a01 = TOps.Zero, a10 = TOps.Zero, a11 = TOps.Zero;
            TVec a20 = TOps.Zero, a21 = TOps.Zero, a30 = TOps.Zero, a31 = TOps.Zero;
            float* u0 = ut + (long)j * d + i1, u1 = u0 + d, u2 = u1 + d, u3 = u2 + d;
            float* e = err;
            for (int k = 0; k < count; k++, e += tr)
            {
                TVec e0 = TOps.Load(e), e1 = TOps.Load(e + c);
                TVec h = TOps.Broadcast(u0[k]);
                a00 = TOps.Fma(e0, h, a00); a01 = TOps.Fma(e1, h, a01);
                h = TOps.Broadcast(u1[k]);
                a10 = TOps.Fma(e0, h, a10); a11 = TOps.Fma(e1, h, a11);
                h = TOps.Broadcast(u2[k]);
                a20 = TOps.Fma(e0, h, a20); a21 = TOps.Fma(e1, h, a21);
                h = TOps.Broadcast(u3[k]);
                a30 = TOps.Fma(e0, h, a30); a31 = TOps.Fma(e1, h, a31);
            }
            float* w = wt + (long)j * tr;
            Subtract<TVec, TOps>(w, c, a00, a01);
            Subtract<TVec, TOps>(w + tr, c, a10, a11);
            Subtract<TVec, TOps>(w + 2 * tr, c, a20, a21);
            Subtract<TVec, TOps>(w + 3 * tr, c, a30, a31);
        }
        for (; j < cols; j++)
        {
            TVec a0 = TOps.Zero, a1 = TOps.Zero;
            float* u0 = ut + (long)j * d + i1;
            float* e = err;
            for (int k = 0; k < count; k++, e += tr)
            {
                TVec h = TOps.Broadcast(u0[k]);
                a0 = TOps.Fma(TOps.Load(e), h, a0);
                a1 = TOps.Fma(TOps.Load(e + c), h, a1);
            }
            Subtract<TVec, TOps>(wt + (long)j * tr, c, a0, a1);
        }
    }

    private static void Subtract<TVec, TOps>(float* w, int c, TVec lo, TVec hi) where TVec : struct where TOps : IGptqFloatOps<TVec>
    {
        TOps.Store(w, TOps.Subtract(TOps.Load(w), lo));
        TOps.Store(w + c, TOps.Subtract(TOps.Load(w + c), hi));
    }
}
