namespace AwqSharp.Quantization;

/// <summary>How weights are quantized.</summary>
public enum QuantizationMethod
{
    /// <summary>Round-to-nearest with the group quantizer and no search: the baseline.</summary>
    Rtn,
    /// <summary>Activation-aware scale search and fusion, then clip search, then round-to-nearest.</summary>
    Awq,
}
