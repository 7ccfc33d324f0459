using AwqSharp.Formats.Llama2c;
using AwqSharp.Formats.Safetensors;
using AwqSharp.Tests.Infrastructure;
using CsCheck;
using static AwqSharp.Tests.Formats.Llama2cTestFiles;

namespace AwqSharp.Tests.Formats;

public class Llama2cRopeTests
{
    [Fact]
    public void PermutationMatchesTorchViewTransposeOnKnownRows()
    {
        // torch: w.view(heads, hd/2, 2, cols).transpose(1, 2).reshape(rows, cols), rows labelled by their index.
        float[] oneHead = [0, 1, 2, 3, 4, 5];                  // 1 head of 6, 1 col
        Assert.Equal([0, 2, 4, 1, 3, 5], RopeRowPermutation.InterleavedToHalfSplit(oneHead, heads: 1, cols: 1));
        float[] twoHeads = [0, 1, 2, 3, 4, 5, 6, 7];           // 2 heads of 4, 1 col
        Assert.Equal([0, 2, 1, 3, 4, 6, 5, 7], RopeRowPermutation.InterleavedToHalfSplit(twoHeads, heads: 2, cols: 1));
        float[] twoCols = [0, 10, 1, 11, 2, 12, 3, 13];        // 1 head of 4, 2 cols: whole rows move
        Assert.Equal([0, 10, 2, 12, 1, 11, 3, 13], RopeRowPermutation.InterleavedToHalfSplit(twoCols, heads: 1, cols: 2));
    }

    [Fact]
    public void InverseRestoresTheRows()
    {
        Gen.Select(Gen.Int[1, 6], Gen.Int[1, 8], Gen.Int[1, 5]).Sample((heads, half, cols) =>
        {
            int rows = heads * half * 2;
            var w = Enumerable.Range(0, rows * cols).Select(i => (float)i).ToArray();
            var permuted = RopeRowPermutation.InterleavedToHalfSplit(w, heads, cols);
            var back = new float[w.Length];
            RopeRowPermutation.HalfSplitToInterleaved(permuted, back, heads, cols);
            Assert.Equal(w, back);
            Assert.Equal(w.Order(), permuted.Order()); // a permutation
        });
    }

    [Fact]
    public void BadShapesAreRejected()
    {
        var w = new float[24];
        Assert.Throws<ArgumentException>(() => RopeRowPermutation.InterleavedToHalfSplit(w, heads: 4, cols: 2)); // 12 rows / 4 heads = 3: odd
        Assert.Throws<ArgumentException>(() => RopeRowPermutation.InterleavedToHalfSplit(w, heads: 5, cols: 1)); // 24 rows into 5 heads
        Assert.Throws<ArgumentException>(() => RopeRowPermutation.InterleavedToHalfSplit(w, heads: 1, cols: 5)); // not whole rows
        Assert.Throws<ArgumentException>(() => RopeRowPermutation.InterleavedToHalfSplit(w, w, heads: 1, cols: 1)); // in place
    }

    /// <summary>
    /// The imported q_proj/k_proj with HuggingFace's rotate-half RoPE give the same rotated vectors (up to the row
    /// order within each head) and the same attention scores as llama2.c's weights with its adjacent-pair RoPE, in
    /// float64, for random inputs at several positions, for every layer and head (GQA: query head h reads kv head h / 2).
    /// </summary>
    [SharedFact(StoriesCheckpoint, StoriesTokenizer)]
    public void ImportedQueryAndKeyRowsReproduceLlama2cRope()
    {
        var ckpt = Llama2cCheckpoint.Read(SharedData.Require(StoriesCheckpoint));
        var c = ckpt.Config;
        using var dir = new TempDir();
        var outDir = Path.Combine(dir.Path, "hf");
        Llama2cImporter.Import(SharedData.Require(StoriesCheckpoint), SharedData.Require(StoriesTokenizer), outDir);
        using var st = SafetensorsFile.Open(Path.Combine(outDir, "model.safetensors"));

        var rng = new Random(1234);
        int hs = c.HeadSize, group = c.NumHeads / c.NumKvHeads;
        int[] positions = [0, 1, 5, 100, 511];
        double worstUnpermuted = 0;
        for (int l = 0; l < c.NumLayers; l++)
        {
            var wq = ckpt.Layers[l].Wq;
            var wk = ckpt.Layers[l].Wk;
            var hq = st.ReadFloat32($"model.layers.{l}.self_attn.q_proj.weight");
            var hk = st.ReadFloat32($"model.layers.{l}.self_attn.k_proj.weight");
            var x = Enumerable.Range(0, c.Dim).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
            var y = Enumerable.Range(0, c.Dim).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
            foreach (int pq in positions)
            foreach (int pk in positions)
            {
                var qRef = InterleavedRope(MatVec(wq, x, c.Dim), hs, pq);
                var kRef = InterleavedRope(MatVec(wk, y, c.KvDim), hs, pk);
                var qHf = HalfSplitRope(MatVec(hq, x, c.Dim), hs, pq);
                var kHf = HalfSplitRope(MatVec(hk, y, c.KvDim), hs, pk);
                var qRaw = HalfSplitRope(MatVec(wq, x, c.Dim), hs, pq);   // what forgetting the permutation gives
                var kRaw = HalfSplitRope(MatVec(wk, y, c.KvDim), hs, pk);
                for (int h = 0; h < c.NumHeads; h++)
                {
                    for (int i = 0; i < hs / 2; i++)
                    {
                        Assert.Equal(qRef[h * hs + 2 * i], qHf[h * hs + i], 12);
                        Assert.Equal(qRef[h * hs + 2 * i + 1], qHf[h * hs + hs / 2 + i], 12);
                    }
                    int kv = h / group;
                    double reference = Dot(qRef, h * hs, kRef, kv * hs, hs);
                    Assert.Equal(reference, Dot(qHf, h * hs, kHf, kv * hs, hs), 12);
                    worstUnpermuted = Math.Max(worstUnpermuted, Math.Abs(reference - Dot(qRaw, h * hs, kRaw, kv * hs, hs)));
                }
            }
        }
        Assert.True(worstUnpermuted > 1e-3, $"unpermuted weights differ by at most {worstUnpermuted}: the check cannot tell the layouts apart");
    }

    private static double[] MatVec(float[] w, double[] x, int rows)
    {
        var y = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double s = 0;
            for (int k = 0; k < x.Length; k++) s += w[r * x.Length + k] * x[k];
            y[r] = s;
        }
        return y;
    }

    /// <summary>llama2.c run.c: pairs (i, i+1) of each head rotated by pos / 10000^((i % hs) / hs).</summary>
    private static double[] InterleavedRope(double[] v, int hs, int pos)
    {
        var o = (double[])v.Clone();
        for (int i = 0; i < v.Length; i += 2)
        {
            double theta = pos / Math.Pow(10000, (double)(i % hs) / hs);
            double cos = Math.Cos(theta), sin = Math.Sin(theta);
            o[i] = v[i] * cos - v[i + 1] * sin;
            o[i + 1] = v[i] * sin + v[i + 1] * cos;
        }
        return o;
    }

    /// <summary>HuggingFace apply_rotary_pos_emb: x * cos + rotate_half(x) * sin, inv_freq_i = 10000^(-2i / hs).</summary>
    private static double[] HalfSplitRope(double[] v, int hs, int pos)
    {
        var o = new double[v.Length];
        int half = hs / 2;
        for (int h = 0; h < v.Length; h += hs)
        for (int i = 0; i < half; i++)
        {
            double theta = pos / Math.Pow(10000, 2.0 * i / hs);
            double cos = Math.Cos(theta), sin = Math.Sin(theta);
            double a = v[h + i], b = v[h + half + i];
            o[h + i] = a * cos - b * sin;
            o[h + half + i] = b * cos + a * sin;
        }
        return o;
    }

    private static double Dot(double[] a, int ao, double[] b, int bo, int n)
    {
        double s = 0;
        for (int i = 0; i < n; i++) s += a[ao + i] * b[bo + i];
        return s;
    }
}
