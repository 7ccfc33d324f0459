using AwqSharp.Models;

namespace AwqSharp.Quantization.Calibration;

/// <summary>
/// Records the four linear-layer inputs of one block (see <see cref="BlockInput"/>) as the block runs
/// in full precision over every calibration sample: what AWQ's forward hooks collect.
/// </summary>
public sealed class BlockCapture : IBlockObserver
{
    private readonly float[]?[] _inputs = new float[4][];

    public int Rows { get; private set; }

    public void OnInput(int layer, BlockInput kind, ReadOnlySpan<float> x, int rows, int columns)
    {
        Rows = rows;
        _inputs[(int)kind] = x.Slice(0, rows * columns).ToArray();
    }

    /// <summary>Stores <paramref name="data"/> ([rows, columns]) as the given input, without copying.</summary>
    public void Set(BlockInput kind, float[] data, int rows)
    {
        Rows = rows;
        _inputs[(int)kind] = data;
    }

    /// <summary>[Rows, columns] of the given input; throws if the block did not produce it.</summary>
    public float[] this[BlockInput kind] => _inputs[(int)kind] ?? throw new InvalidOperationException($"input {kind} was not captured");
}
