namespace AwqSharp.Quantization.Awq;

/// <summary>The outcome of one group's grid search.</summary>
/// <param name="Group">Which linears were scaled together.</param>
/// <param name="Scales">Per input channel, normalised so sqrt(max·min) = 1.</param>
/// <param name="Alpha">The exponent kept (with the paper's formula 0 means plain round-to-nearest was best; not with duo scaling).</param>
/// <param name="Loss">MSE of the inspected module's output with the kept scales.</param>
/// <param name="RtnLoss">The same MSE with no scaling (all scales 1): what RTN gets.</param>
public sealed record ScaleSearchResult(ScaleGroup Group, float[] Scales, double Alpha, double Loss, double RtnLoss);
