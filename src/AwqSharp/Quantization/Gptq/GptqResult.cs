namespace AwqSharp.Quantization.Gptq;

/// <summary>What GPTQ made of one linear.</summary>
/// <param name="Weight">The quantized weight (plain group-wise layout along the input, whatever the column order used).</param>
/// <param name="Loss">The reference's <c>error</c>: <c>Σ (w - q)² / U[i, i]² / 2</c> over the weight.</param>
/// <param name="PercDamp">The damping fraction used (higher than requested when the Cholesky fallback kicked in).</param>
/// <param name="CholeskyRetries">Failed factorizations before the one used.</param>
/// <param name="DeadColumns">Inputs that were zero on every calibration token (their weights are quantized as 0).</param>
/// <param name="Permutation">
/// With act-order, the sweep order: <c>Permutation[k]</c> is the input column quantized k-th (decreasing Hessian
/// diagonal); null in natural order.
/// </param>
public sealed record GptqResult(QuantizedWeight Weight, double Loss, double PercDamp, int CholeskyRetries, int DeadColumns, int[]? Permutation);
