using System.Runtime.InteropServices;
using AwqSharp.Formats.Safetensors;
using AwqSharp.Quantization;

namespace AwqSharp.Formats.AutoAwq;

/// <summary>
/// Reads and writes one quantized linear (module path <c>prefix</c>, e.g. <c>model.layers.0.self_attn.q_proj</c>) as
/// checkpoint tensors, in AutoAWQ's GEMM layout (<c>prefix.qweight / .qzeros / .scales</c>) or in AwqSharp's own layout
/// (<c>prefix.awqsharp_codes / _scales / _zeros / _shape</c>), as the <see cref="AwqQuantizationConfig"/> says.
/// A bias, when present, stays <c>prefix.bias</c> and is not handled here. See docs/checkpoint-format.md.
/// </summary>
public static class QuantizedLinearTensors
{
    public const string QWeightSuffix = ".qweight";
    public const string QZerosSuffix = ".qzeros";
    public const string ScalesSuffix = ".scales";
    public const string CodesSuffix = ".awqsharp_codes";
    public const string AwqSharpScalesSuffix = ".awqsharp_scales";
    public const string AwqSharpZerosSuffix = ".awqsharp_zeros";
    public const string ShapeSuffix = ".awqsharp_shape";

    /// <summary>Whether <paramref name="source"/> holds a quantized linear named <paramref name="prefix"/> in either layout.</summary>
    public static bool Contains(ITensorSource source, string prefix) =>
        source.Contains(prefix + QWeightSuffix) || source.Contains(prefix + CodesSuffix);

    /// <summary>
    /// Reads the quantized linear <paramref name="prefix"/>, or returns null when the source has no quantized tensors
    /// for it (e.g. a module listed in <c>modules_to_not_convert</c>, stored as a dense <c>.weight</c>).
    /// </summary>
    /// <exception cref="InvalidModelFileException">Tensors with wrong dtypes or inconsistent shapes, or in the other layout than the config says.</exception>
    public static QuantizedWeight? TryRead(ITensorSource source, string prefix, AwqQuantizationConfig config)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(config);
        bool gemm = source.Contains(prefix + QWeightSuffix), own = source.Contains(prefix + CodesSuffix);
        if (!gemm && !own) return null;
        if (config.IsAutoAwq != gemm)
            throw new InvalidModelFileException(Describe(source),
                $"'{prefix}' is stored in the {(gemm ? "AutoAWQ GEMM" : "awqsharp")} layout but quantization_config.quant_method is \"{config.QuantMethod}\"");
        return gemm ? ReadAutoAwq(source, prefix, config) : ReadAwqSharp(source, prefix, config);
    }

    /// <summary>As <see cref="TryRead"/>, but a missing linear is an <see cref="InvalidModelFileException"/>.</summary>
    public static QuantizedWeight Read(ITensorSource source, string prefix, AwqQuantizationConfig config) =>
        TryRead(source, prefix, config)
        ?? throw new InvalidModelFileException(Describe(source), $"quantized linear '{prefix}' is missing ({prefix}{(config.IsAutoAwq ? QWeightSuffix : CodesSuffix)})");

    /// <summary>The tensors that store <paramref name="weight"/> under <paramref name="prefix"/> in the layout of <paramref name="config"/>.</summary>
    /// <exception cref="AwqException">The weight does not match the config (bits, group size) or the layout cannot hold it.</exception>
    public static IReadOnlyList<SafetensorsTensor> ToTensors(string prefix, QuantizedWeight weight, AwqQuantizationConfig config)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(config);
        if (weight.Bits != config.Bits)
            throw new AwqException($"'{prefix}': weight is {weight.Bits}-bit but quantization_config.bits is {config.Bits}");
        int group = config.EffectiveGroupSize(weight.InFeatures);
        if (weight.GroupSize != group)
            throw new AwqException($"'{prefix}': weight has group size {weight.GroupSize} but quantization_config.group_size {config.GroupSize} implies {group} for in_features {weight.InFeatures}");
        long outF = weight.OutFeatures, inF = weight.InFeatures, groups = weight.GroupCount;
        if (config.IsAutoAwq)
        {
            if (config.GroupSize != -1 && weight.InFeatures % config.GroupSize != 0)
                throw new AwqException($"'{prefix}': AutoAWQ GEMM needs group_size {config.GroupSize} to divide in_features {weight.InFeatures} (save in the awqsharp format instead)");
            var (qweight, qzeros, scales) = AutoAwqPacking.Pack(weight);
            long words = outF / AutoAwqPacking.PackFactor;
            return
            [
                SafetensorsTensor.FromInt32(prefix + QWeightSuffix, qweight, [inF, words]),
                SafetensorsTensor.FromInt32(prefix + QZerosSuffix, qzeros, [groups, words]),
                SafetensorsTensor.FromHalf(prefix + ScalesSuffix, scales, [groups, outF]),
            ];
        }
        var codes = AwqSharpPacking.Pack(weight.Codes, weight.OutFeatures, weight.InFeatures, weight.Bits);
        return
        [
            SafetensorsTensor.FromBytes(prefix + CodesSuffix, codes, [outF, AwqSharpPacking.RowBytes(weight.InFeatures, weight.Bits)]),
            SafetensorsTensor.FromFloat32(prefix + AwqSharpScalesSuffix, weight.Scales, [outF, groups]),
            SafetensorsTensor.FromBytes(prefix + AwqSharpZerosSuffix, weight.Zeros, [outF, groups]),
            SafetensorsTensor.FromInt32(prefix + ShapeSuffix, [weight.OutFeatures, weight.InFeatures], [2]),
        ];
    }

    private static QuantizedWeight ReadAutoAwq(ITensorSource source, string prefix, AwqQuantizationConfig config)
    {
        string file = Describe(source);
        var qw = Require(source, prefix + QWeightSuffix, SafetensorsDType.I32, 2);
        var qz = Require(source, prefix + QZerosSuffix, SafetensorsDType.I32, 2);
        var sc = Require(source, prefix + ScalesSuffix, null, 2);
        long inF = qw.Shape[0], words = qw.Shape[1], groups = sc.Shape[0], outF = sc.Shape[1];
        if (words <= 0 || inF <= 0 || groups <= 0 || outF != words * AutoAwqPacking.PackFactor)
            throw new InvalidModelFileException(file, $"'{prefix}': qweight {qw.ShapeText} and scales {sc.ShapeText} disagree (expected qweight [in, out/8], scales [in/group, out])");
        if (qz.Shape[0] != groups || qz.Shape[1] != words)
            throw new InvalidModelFileException(file, $"'{prefix}': qzeros has shape {qz.ShapeText}, expected [{groups}, {words}]");
        if (inF % groups != 0 || inF > int.MaxValue || outF > int.MaxValue)
            throw new InvalidModelFileException(file, $"'{prefix}': {groups} scale groups do not divide in_features {inF}");
        int group = (int)(inF / groups), expected = config.EffectiveGroupSize((int)inF);
        if (group != expected)
            throw new InvalidModelFileException(file, $"'{prefix}': tensors imply group size {group} but quantization_config.group_size is {config.GroupSize}");
        var qweight = MemoryMarshal.Cast<byte, int>(source.GetBytes(qw.Name));
        var qzeros = MemoryMarshal.Cast<byte, int>(source.GetBytes(qz.Name));
        return sc.DType == SafetensorsDType.F16
            ? AutoAwqPacking.Unpack(qweight, qzeros, MemoryMarshal.Cast<byte, Half>(source.GetBytes(sc.Name)), (int)inF, (int)outF, group)
            : AutoAwqPacking.Unpack(qweight, qzeros, source.ReadFloat32(sc.Name), (int)inF, (int)outF, group);
    }

    private static QuantizedWeight ReadAwqSharp(ITensorSource source, string prefix, AwqQuantizationConfig config)
    {
        string file = Describe(source);
        var shapeInfo = Require(source, prefix + ShapeSuffix, SafetensorsDType.I32, 1);
        var shape = source.ReadInt32(shapeInfo.Name);
        if (shape.Length != 2 || shape[0] <= 0 || shape[1] <= 0 || (long)shape[0] * shape[1] > int.MaxValue)
            throw new InvalidModelFileException(file, $"'{shapeInfo.Name}' must hold two positive dimensions [out, in], got [{string.Join(", ", shape)}]");
        int outF = shape[0], inF = shape[1], bits = config.Bits;
        int group = config.EffectiveGroupSize(inF), groups = (inF + group - 1) / group;
        var codesInfo = Require(source, prefix + CodesSuffix, SafetensorsDType.U8, 2);
        var scalesInfo = Require(source, prefix + AwqSharpScalesSuffix, null, 2);
        var zerosInfo = Require(source, prefix + AwqSharpZerosSuffix, SafetensorsDType.U8, 2);
        ExpectShape(file, codesInfo, outF, AwqSharpPacking.RowBytes(inF, bits), $"{bits}-bit codes of [{outF}, {inF}]");
        ExpectShape(file, scalesInfo, outF, groups, $"group size {group}");
        ExpectShape(file, zerosInfo, outF, groups, $"group size {group}");
        var codes = AwqSharpPacking.Unpack(source.GetBytes(codesInfo.Name), outF, inF, bits);
        var zeros = source.GetBytes(zerosInfo.Name).ToArray();
        int maxCode = (1 << bits) - 1;
        for (int i = 0; i < zeros.Length; i++)
            if (zeros[i] > maxCode)
                throw new InvalidModelFileException(file, $"'{zerosInfo.Name}'[{i / groups}, {i % groups}] = {zeros[i]} exceeds the {bits}-bit maximum {maxCode}");
        var scales = source.ReadFloat32(scalesInfo.Name);
        for (int i = 0; i < scales.Length; i++)
            if (!float.IsFinite(scales[i]))
                throw new InvalidModelFileException(file, $"'{scalesInfo.Name}'[{i / groups}, {i % groups}] is {scales[i]}");
        return new QuantizedWeight(outF, inF, bits, group, codes, scales, zeros);
    }

    private static TensorInfo Require(ITensorSource source, string name, SafetensorsDType? dtype, int rank)
    {
        if (!source.Contains(name)) throw new InvalidModelFileException(Describe(source), $"tensor '{name}' is missing");
        var info = source.GetInfo(name);
        if (dtype is { } d && info.DType != d)
            throw new InvalidModelFileException(Describe(source), $"tensor '{name}' has dtype {info.DType}, expected {d}");
        if (dtype is null && info.DType is not (SafetensorsDType.F16 or SafetensorsDType.BF16 or SafetensorsDType.F32))
            throw new InvalidModelFileException(Describe(source), $"tensor '{name}' has dtype {info.DType}, expected F16, BF16 or F32");
        if (info.Shape.Length != rank)
            throw new InvalidModelFileException(Describe(source), $"tensor '{name}' has shape {info.ShapeText}, expected {rank} dimensions");
        return info;
    }

    private static void ExpectShape(string file, TensorInfo info, long rows, long cols, string why)
    {
        if (info.Shape[0] != rows || info.Shape[1] != cols)
            throw new InvalidModelFileException(file, $"tensor '{info.Name}' has shape {info.ShapeText}, expected [{rows}, {cols}] ({why})");
    }

    private static string Describe(ITensorSource source) => source switch
    {
        SafetensorsCheckpoint c => c.Location,
        SafetensorsFile f => f.Path,
        _ => "checkpoint",
    };
}
