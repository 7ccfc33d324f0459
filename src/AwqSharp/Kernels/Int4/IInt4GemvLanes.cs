namespace AwqSharp.Kernels.Int4;

/// <summary>
/// The vector operations <see cref="Int4GemvLanes"/> needs, at one width. Implemented by structs
/// (<see cref="Int4GemvAvx2"/>, <see cref="Int4GemvVector128"/>): the JIT compiles the generic kernel
/// separately for each struct and inlines these static members, so it costs what a kernel written for
/// that width does (no interface dispatch, no boxing).
/// </summary>
/// <typeparam name="TVector">The float vector: <c>Vector256&lt;float&gt;</c> or <c>Vector128&lt;float&gt;</c>.</typeparam>
internal unsafe interface IInt4GemvLanes<TVector> where TVector : struct
{
    /// <summary>Lanes of <typeparamref name="TVector"/>: 8 or 4, so a 16-weight plane is 2 or 4 vectors.</summary>
    static abstract int Count { get; }

    static abstract TVector Load(float* source);

    static abstract TVector Broadcast(float value);

    /// <summary>
    /// 15 in every 32-bit lane (as the bits of a float vector): the kernel keeps it in a register for
    /// <see cref="Codes"/>, where a constant would be loaded again for every plane.
    /// </summary>
    static abstract TVector NibbleMask { get; }

    /// <summary>The 4-bit codes at bit <paramref name="shift"/> of <see cref="Count"/> consecutive 32-bit words, converted to float.</summary>
    static abstract TVector Codes(byte* words, int shift, TVector nibbleMask);

    /// <summary><c>a · b + addend</c> with one rounding.</summary>
    static abstract TVector MultiplyAdd(TVector a, TVector b, TVector addend);

    static abstract float Sum(TVector vector);

    /// <summary>Software prefetch ahead of the tile chunk that starts at <paramref name="chunk"/>, or nothing where the path has none.</summary>
    static abstract void Prefetch(byte* chunk);
}
