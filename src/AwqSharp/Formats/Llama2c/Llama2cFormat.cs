namespace AwqSharp.Formats.Llama2c;

/// <summary>The float32 checkpoint layouts of karpathy/llama2.c's <c>export.py</c> that AwqSharp reads.</summary>
public enum Llama2cFormat
{
    /// <summary>
    /// Version 0 (<c>legacy_export</c>, what <c>run.c</c> reads): a 7 x int32 header whose vocab size is negative when an
    /// unshared classifier follows, tensors in the order embedding, norms and matrices per kind, final norm, the RoPE
    /// tables freq_cis_real/imag, then the optional classifier.
    /// </summary>
    Legacy,

    /// <summary>
    /// Version 1 (<c>version1_export</c>): 256-byte header (magic "ak42", version 1, the 7 ints, a shared-classifier byte,
    /// zero padding), then norms first, the embedding, the matrices, the optional classifier, and no RoPE tables.
    /// </summary>
    Version1,
}
