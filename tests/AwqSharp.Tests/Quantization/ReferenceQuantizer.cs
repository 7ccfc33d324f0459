namespace AwqSharp.Tests.Quantization;

/// <summary>
/// A deliberately naive transcription of llm-awq / AutoAWQ <c>pseudo_quantize_tensor</c> (one element at a time, no SIMD,
/// no shared code with the library), in float32 or in emulated float16 arithmetic (every op rounded through
/// <see cref="Half"/>). Returns codes (stored, with the symmetric offset), scales, zeros and the dequantized weight.
/// </summary>
internal static class ReferenceQuantizer
{
    public sealed record Result(byte[] Codes, float[] Scales, byte[] Zeros, float[] Dequantized, int GroupSize, int Groups);

    public static Result Run(float[] w, int rows, int cols, int bits, int groupSize, bool zeroPoint, bool fp16, float[]? clip = null)
    {
        int g = groupSize == -1 ? cols : Math.Min(groupSize, cols);
        int groups = (cols + g - 1) / g;
        var codes = new byte[rows * cols];
        var dq = new float[rows * cols];
        var scales = new float[rows * groups];
        var zeros = new byte[rows * groups];
        Func<float, float> r = fp16 ? x => (float)(Half)x : x => x;
        for (int o = 0; o < rows; o++)
        for (int gi = 0; gi < groups; gi++)
        {
            int start = gi * g, end = Math.Min(cols, start + g);
            var x = new float[end - start];
            for (int i = start; i < end; i++)
            {
                float v = r(w[o * cols + i]);
                if (clip is not null)
                {
                    float c = r(clip[o * groups + gi]);
                    if (v > c) v = c;
                    if (v < -c) v = -c;
                }
                x[i - start] = v;
            }
            float mx = x.Max(), mn = x.Min();
            float scale, zero, qmin, qmax;
            if (zeroPoint)
            {
                float maxInt = (1 << bits) - 1;
                float range = r(mx - mn);
                if (range < 1e-5f) range = 1e-5f;
                scale = r(r(range) / maxInt);
                zero = -MathF.Round(r(mn / scale), MidpointRounding.ToEven);
                zero = Math.Min(Math.Max(zero, 0), maxInt);
                qmin = 0; qmax = maxInt;
            }
            else
            {
                float absMax = Math.Max(Math.Abs(mx), Math.Abs(mn));
                if (absMax < 1e-5f) absMax = 1e-5f;
                absMax = r(absMax);
                scale = r(absMax / ((1 << (bits - 1)) - 1));
                zero = 0; qmin = -(1 << (bits - 1)); qmax = (1 << (bits - 1)) - 1;
            }
            for (int i = start; i < end; i++)
            {
                float q = MathF.Round(r(x[i - start] / scale), MidpointRounding.ToEven) + zero;
                q = Math.Min(Math.Max(q, qmin), qmax);
                dq[o * cols + i] = r((q - zero) * scale);
                codes[o * cols + i] = (byte)(zeroPoint ? q : q + (1 << (bits - 1)));
            }
            scales[o * groups + gi] = scale;
            zeros[o * groups + gi] = (byte)(zeroPoint ? zero : 1 << (bits - 1));
        }
        return new Result(codes, scales, zeros, dq, g, groups);
    }
}
