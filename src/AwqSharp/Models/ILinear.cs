namespace AwqSharp.Models;

/// <summary>
/// A linear layer <c>y[rows, Out] = x[rows, In] · Wᵀ (+ bias)</c>, whatever its weights' storage:
/// dense float32 (<see cref="DenseLinear"/>) or packed quantized (the INT4 engine).
/// </summary>
public interface ILinear
{
    int InFeatures { get; }
    int OutFeatures { get; }
    /// <summary>Bytes of weight data one full product reads (what bounds decode speed).</summary>
    long WeightBytes { get; }
    void Forward(ReadOnlySpan<float> x, Span<float> y, int rows);
}
