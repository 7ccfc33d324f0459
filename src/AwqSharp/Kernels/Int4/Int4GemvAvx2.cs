using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AwqSharp.Kernels.Int4;

/// <summary>The AVX2 + FMA operations (8 lanes) of the <see cref="Int4GemvLanes"/> GEMV kernel.</summary>
internal readonly unsafe struct Int4GemvAvx2 : IInt4GemvLanes<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(float* source) => Vector256.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Broadcast(float value) => Vector256.Create(value);

    public static Vector256<float> NibbleMask => Vector256.Create(15u).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Codes(byte* words, int shift, Vector256<float> nibbleMask) =>
        Vector256.ConvertToSingle((Vector256.ShiftRightLogical(Vector256.Load((uint*)words), shift) & nibbleMask.AsUInt32()).AsInt32());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> addend) => Vector256.FusedMultiplyAdd(a, b, addend);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector256<float> vector) => Vector256.Sum(vector);

    /// <summary>As the AVX-512 kernel does: the hardware prefetchers alone fall behind.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Prefetch(byte* chunk) => Int4Prefetch.Chunk(chunk);
}
