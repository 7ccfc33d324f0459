namespace AwqSharp.Kernels;

/// <summary>
/// The handful of float32 vector operations the kernels are written against, as static members of a struct
/// (the TensorPrimitives operator pattern): each kernel is written once, generic over <typeparamref name="TVec"/>,
/// and the JIT specializes it for <see cref="Simd512"/>, <see cref="Simd256"/> and <see cref="Simd128"/>.
/// </summary>
/// <remarks>
/// Every reduction has one fixed order (see <see cref="Sum"/>), so a kernel gives the same bits whichever
/// thread runs it.
/// </remarks>
internal unsafe interface ISimd<TVec> where TVec : struct
{
    /// <summary>Lanes per vector.</summary>
    static abstract int Count { get; }

    static abstract TVec Zero { get; }

    /// <summary>Unaligned load of <see cref="Count"/> floats.</summary>
    static abstract TVec Load(float* p);

    /// <summary>Unaligned store of <see cref="Count"/> floats.</summary>
    static abstract void Store(float* p, TVec v);

    /// <summary>Every lane set to <c>*p</c>.</summary>
    static abstract TVec Broadcast(float* p);

    /// <summary>Every lane set to <paramref name="value"/>.</summary>
    static abstract TVec Broadcast(float value);

    /// <summary><c>a · b + c</c>, fused where the path has FMA.</summary>
    static abstract TVec MulAdd(TVec a, TVec b, TVec c);

    static abstract TVec Add(TVec a, TVec b);

    static abstract TVec Subtract(TVec a, TVec b);

    static abstract TVec Multiply(TVec a, TVec b);

    /// <summary>Sum of the lanes in a fixed order: halves added pairwise down to 4 lanes, then <c>(l0 + l2) + (l1 + l3)</c>.</summary>
    static abstract float Sum(TVec v);
}
