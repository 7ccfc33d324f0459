using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AwqSharp.Kernels.Int4;

/// <summary>The portable 128-bit operations (4 lanes: SSE on x86, NEON on Arm) of the <see cref="Int4GemvLanes"/> GEMV kernel.</summary>
internal readonly unsafe struct Int4GemvVector128 : IInt4GemvLanes<Vector128<float>>
{
    public static int Count => Vector128<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(float* source) => Vector128.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Broadcast(float value) => Vector128.Create(value);

    public static Vector128<float> NibbleMask => Vector128.Create(15u).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Codes(byte* words, int shift, Vector128<float> nibbleMask) =>
        Vector128.ConvertToSingle((Vector128.ShiftRightLogical(Vector128.Load((uint*)words), shift) & nibbleMask.AsUInt32()).AsInt32());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> addend) => Vector128.FusedMultiplyAdd(a, b, addend);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector128<float> vector) => Vector128.Sum(vector);

    /// <summary>None: the path has to run on Arm too, where .NET exposes no prefetch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Prefetch(byte* chunk) { }
}
