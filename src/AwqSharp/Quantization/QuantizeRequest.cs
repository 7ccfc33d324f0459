using AwqSharp.Quantization.Gptq;

namespace AwqSharp.Quantization;

/// <summary>Everything <see cref="ModelQuantizer"/> needs besides the model.</summary>
/// <param name="Method">AWQ, RTN, GPTQ or AWQ+GPTQ.</param>
/// <param name="Options">Bits, group size, zero point.</param>
/// <param name="Calibration">Calibration samples (token ids, equal lengths); required by every method but RTN, ignored by RTN.</param>
/// <param name="Clip">Run AWQ's clip search after scaling (default true; <c>--no-clip</c> turns it off). With AWQ+GPTQ the clips are applied to the weights before GPTQ.</param>
/// <param name="GridSize">Points of the α grid (20 in the reference).</param>
/// <param name="Gptq">GPTQ's settings (damping, block size, act-order, static groups); null means the reference defaults.</param>
/// <param name="DuoScaling">
/// AWQ and AWQ+GPTQ: search AutoAWQ's <c>duo_scaling</c> candidates, <c>s = mean|x|^α / (w_mean^(1-α) + 1e-4)</c>
/// (<see cref="Awq.DuoScaling"/>; <c>--duo-scaling</c>), instead of the paper's and llm-awq's <c>s = mean|x|^α</c> (default false).
/// </param>
public sealed record QuantizeRequest(QuantizationMethod Method, QuantizationOptions Options, int[][]? Calibration = null, bool Clip = true,
    int GridSize = Awq.AwqScaleSearch.DefaultGridSize, GptqOptions? Gptq = null, bool DuoScaling = false);

/// <summary>Progress of a quantization run: a stage of a layer.</summary>
public sealed record QuantizeProgress(int Layer, int Layers, string Stage);
