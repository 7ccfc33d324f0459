using AwqSharp.Quantization.Awq;
using AwqSharp.Quantization.Gptq;

namespace AwqSharp.Quantization;

/// <summary>What the search found per layer: for each scale group the α kept and the output MSE with and without it; GPTQ's per-linear results.</summary>
public sealed class QuantizationReport
{
    public List<(int Layer, ScaleSearchResult Result)> ScaleSearches { get; } = [];
    /// <summary>GPTQ's result for every linear it quantized (GPTQ and AWQ+GPTQ).</summary>
    public List<(int Layer, GptqLinearReport Result)> GptqLinears { get; } = [];
    public double Seconds { get; set; }
    public long PeakRssBytes { get; set; }

    /// <summary>Σ RTN MSE / Σ AWQ MSE over every searched group (how much the scales help at the module level).</summary>
    public double MseImprovement =>
        ScaleSearches.Count == 0 ? 1 : ScaleSearches.Sum(s => s.Result.RtnLoss) / Math.Max(1e-300, ScaleSearches.Sum(s => s.Result.Loss));

    /// <summary>Σ of GPTQ's per-linear error (the reference's printed <c>error</c>) over every linear.</summary>
    public double GptqLoss => GptqLinears.Sum(g => g.Result.Loss);
}
