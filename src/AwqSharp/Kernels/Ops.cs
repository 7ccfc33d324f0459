using System.Numerics.Tensors;

namespace AwqSharp.Kernels;

/// <summary>Element-wise and row-wise ops of the Llama block, on float32 spans.</summary>
public static class Ops
{
    /// <summary>RMSNorm of each row of <paramref name="x"/> ([rows, dim]): y = x / sqrt(mean(x²) + eps) · weight.</summary>
    public static void RmsNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, Span<float> y, int rows, float eps)
    {
        int dim = weight.Length;
        for (int r = 0; r < rows; r++)
        {
            var xr = x.Slice(r * dim, dim);
            var yr = y.Slice(r * dim, dim);
            double ss = 0;
            for (int i = 0; i < dim; i++) ss += (double)xr[i] * xr[i];
            float inv = (float)(1.0 / Math.Sqrt(ss / dim + eps));
            TensorPrimitives.Multiply(xr, inv, yr);
            TensorPrimitives.Multiply(yr, weight, yr);
        }
    }

    /// <summary>In-place softmax of one row.</summary>
    public static void Softmax(Span<float> x)
    {
        float max = TensorPrimitives.Max(x);
        float sum = 0;
        for (int i = 0; i < x.Length; i++) { float e = MathF.Exp(x[i] - max); x[i] = e; sum += e; }
        TensorPrimitives.Multiply(x, 1f / sum, x);
    }

    /// <summary>SwiGLU: gate[i] = silu(gate[i]) · up[i], in place on <paramref name="gate"/>.</summary>
    public static void SiluMultiply(Span<float> gate, ReadOnlySpan<float> up)
    {
        for (int i = 0; i < gate.Length; i++)
        {
            float g = gate[i];
            gate[i] = g / (1f + MathF.Exp(-g)) * up[i];
        }
    }

    /// <summary>HF "rotate_half" RoPE of one head vector; cos/sin have length headDim/2.</summary>
    public static void ApplyRotaryHalf(Span<float> headVector, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin)
    {
        int h = headVector.Length / 2;
        for (int i = 0; i < h; i++)
        {
            float a = headVector[i], b = headVector[i + h];
            headVector[i] = a * cos[i] - b * sin[i];
            headVector[i + h] = b * cos[i] + a * sin[i];
        }
    }
}
