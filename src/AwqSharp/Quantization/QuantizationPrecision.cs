namespace AwqSharp.Quantization;

/// <summary>The arithmetic a quantizer uses for scales, zero points and codes.</summary>
public enum QuantizationPrecision
{
    /// <summary>
    /// Everything in float32 (scales are exact float32 values). What the AWQ search and AwqSharp's own
    /// checkpoint format use. Exporting to AutoAWQ GEMM rounds the scales to float16 (codes are kept).
    /// </summary>
    Float32 = 0,

    /// <summary>
    /// Emulates AutoAWQ's real quantization, which runs on <c>linear.half()</c> weights: the weights are
    /// rounded to float16 first, and every intermediate (range, scale, <c>min/scale</c>, <c>w/scale</c>,
    /// the dequantized value) is rounded to float16 exactly as torch's fp16 kernels do. Scales are then
    /// representable in float16, so an AutoAWQ GEMM export is lossless and byte-identical to AutoAWQ's.
    /// </summary>
    Float16 = 1,
}
