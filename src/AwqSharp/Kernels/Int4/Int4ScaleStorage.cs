namespace AwqSharp.Kernels.Int4;

/// <summary>How <see cref="PackedInt4Matrix"/> stores the per-group scales.</summary>
public enum Int4ScaleStorage
{
    /// <summary>
    /// <see cref="Half"/> when every scale is exactly representable in IEEE fp16 (AutoAWQ checkpoints,
    /// quantizers that round scales to fp16), <see cref="Single"/> otherwise: packing is always lossless.
    /// </summary>
    Auto = 0,
    /// <summary>IEEE fp16, 2 bytes a group: rounds fp32 scales to nearest (relative change at most 2^-11).</summary>
    Half = 1,
    /// <summary>IEEE fp32, 4 bytes a group.</summary>
    Single = 2,
}
