namespace AwqSharp.Quantization;

/// <summary>Everything <see cref="ModelQuantizer"/> needs besides the model.</summary>
/// <param name="Method">AWQ or RTN.</param>
/// <param name="Options">Bits, group size, zero point.</param>
/// <param name="Calibration">Calibration samples (token ids, equal lengths); required by AWQ, ignored by RTN.</param>
/// <param name="Clip">Run AWQ's clip search after scaling (default true; <c>--no-clip</c> turns it off).</param>
/// <param name="GridSize">Points of the α grid (20 in the reference).</param>
public sealed record QuantizeRequest(QuantizationMethod Method, QuantizationOptions Options, int[][]? Calibration = null, bool Clip = true,
    int GridSize = Awq.AwqScaleSearch.DefaultGridSize);

/// <summary>Progress of a quantization run: a stage of a layer.</summary>
public sealed record QuantizeProgress(int Layer, int Layers, string Stage);
