using AwqSharp.Quantization.Awq;

namespace AwqSharp.Quantization;

/// <summary>What the search found per layer: for each scale group the α kept and the output MSE with and without it.</summary>
public sealed class QuantizationReport
{
    public List<(int Layer, ScaleSearchResult Result)> ScaleSearches { get; } = [];
    public double Seconds { get; set; }
    public long PeakRssBytes { get; set; }

    /// <summary>Σ RTN MSE / Σ AWQ MSE over every searched group (how much the scales help at the module level).</summary>
    public double MseImprovement =>
        ScaleSearches.Count == 0 ? 1 : ScaleSearches.Sum(s => s.Result.RtnLoss) / Math.Max(1e-300, ScaleSearches.Sum(s => s.Result.Loss));
}
