using System.Buffers.Binary;

namespace AwqSharp.Formats.Llama2c;

/// <summary>Reads and validates a llama2.c checkpoint header, and the file's size against it, before any tensor is read.</summary>
internal static class Llama2cHeader
{
    /// <summary>"ak42" as the little-endian uint32 export.py writes first in versioned files.</summary>
    public const uint Magic = 0x616b3432;

    /// <summary>Parses the header of <paramref name="path"/> and checks that the file has exactly the size it implies.</summary>
    /// <exception cref="InvalidModelFileException">Too short, bad fields, or a size that does not match the header.</exception>
    /// <exception cref="UnsupportedModelException">A version 2 (int8) or other non-float32 export.</exception>
    public static Llama2cLayout Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such llama2.c checkpoint", path);
        long length = new FileInfo(path).Length;
        Span<byte> head = stackalloc byte[Llama2cLayout.Version1HeaderBytes];
        int got;
        using (var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1))
            got = fs.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        head = head[..got];

        if (got < Llama2cLayout.LegacyHeaderBytes)
            throw new InvalidModelFileException(path, $"file is {length} bytes, too short for a llama2.c header ({Llama2cLayout.LegacyHeaderBytes} bytes)");

        var config = BinaryPrimitives.ReadUInt32LittleEndian(head) == Magic ? ParseVersioned(path, head, length) : ParseLegacy(path, head);
        config.Validate(path);
        var layout = Llama2cLayout.For(config, path);
        if (length != layout.FileSize)
        {
            string what = length < layout.FileSize ? "truncated" : $"{length - layout.FileSize} unexpected trailing bytes";
            throw new InvalidModelFileException(path,
                $"file is {length} bytes but its header ({config.Describe()}) implies exactly {layout.FileSize} bytes ({what})");
        }
        return layout;
    }

    private static Llama2cConfig ParseLegacy(string path, ReadOnlySpan<byte> head)
    {
        int vocab = Int(head, 5);
        if (vocab == int.MinValue) throw new InvalidModelFileException(path, $"header field vocab_size = {vocab} is out of range");
        return Params(head, 0, Math.Abs(vocab), shared: vocab > 0, Llama2cFormat.Legacy);
    }

    private static Llama2cConfig ParseVersioned(string path, ReadOnlySpan<byte> head, long length)
    {
        if (head.Length < 2 * sizeof(int))
            throw new InvalidModelFileException(path, $"file is {length} bytes, too short for a versioned llama2.c header");
        int version = Int(head, 1);
        switch (version)
        {
            case 1:
                break;
            case 2:
                throw new UnsupportedModelException(
                    $"{path}: llama2.c version 2 checkpoint (int8 Q8_0 weights) is not supported; export float32 weights (export.py --version 0 or 1)");
            default:
                throw new InvalidModelFileException(path, $"header field version = {version} is not a llama2.c float32 format (expected 1; legacy files have no magic)");
        }
        if (head.Length < Llama2cLayout.Version1HeaderBytes)
            throw new InvalidModelFileException(path, $"file is {length} bytes, too short for the {Llama2cLayout.Version1HeaderBytes}-byte version 1 header");
        byte shared = head[2 * sizeof(int) + 7 * sizeof(int)];
        if (shared > 1)
            throw new InvalidModelFileException(path, $"header field shared_classifier = {shared} must be 0 or 1");
        return Params(head, 2, Int(head, 2 + 5), shared == 1, Llama2cFormat.Version1);
    }

    private static Llama2cConfig Params(ReadOnlySpan<byte> head, int first, int vocab, bool shared, Llama2cFormat format) => new()
    {
        Dim = Int(head, first),
        HiddenDim = Int(head, first + 1),
        NumLayers = Int(head, first + 2),
        NumHeads = Int(head, first + 3),
        NumKvHeads = Int(head, first + 4),
        VocabSize = vocab,
        SeqLen = Int(head, first + 6),
        SharedClassifier = shared,
        Format = format,
    };

    private static int Int(ReadOnlySpan<byte> head, int index) => BinaryPrimitives.ReadInt32LittleEndian(head[(index * sizeof(int))..]);
}
