namespace AwqSharp.Quantization;

/// <summary>How weights are quantized.</summary>
public enum QuantizationMethod
{
    /// <summary>Round-to-nearest with the group quantizer and no search: the baseline.</summary>
    Rtn,
    /// <summary>Activation-aware scale search and fusion, then clip search, then round-to-nearest.</summary>
    Awq,
    /// <summary>GPTQ (Frantar et al., 2023): Hessian-based error-compensating rounding, block by block with errors propagated.</summary>
    Gptq,
    /// <summary>AWQ's scale search and fusion (and, unless disabled, its clipping applied to the weights), then GPTQ on the scaled weights.</summary>
    AwqGptq,
}
