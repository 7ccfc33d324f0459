namespace AwqSharp.Quantization.Gptq;

/// <summary>How GPTQ went on one linear of a block (what the reference prints per layer, plus the fallback's damping).</summary>
/// <param name="Name">The linear's name relative to its block, e.g. <c>self_attn.q_proj</c>.</param>
/// <param name="Loss">The reference's <c>error</c>: <c>Σ (w - q)² / U[i, i]² / 2</c>.</param>
/// <param name="PercDamp">The damping fraction used.</param>
/// <param name="CholeskyRetries">Failed factorizations before it.</param>
/// <param name="DeadColumns">Inputs that were zero on every calibration token.</param>
/// <param name="Seconds">Time spent factorizing and sweeping (not accumulating the Hessian).</param>
public sealed record GptqLinearReport(string Name, double Loss, double PercDamp, int CholeskyRetries, int DeadColumns, double Seconds);
