using System.Buffers.Binary;
using System.Text;

namespace AwqSharp.Formats.Llama2c;

/// <summary>
/// A llama2.c tokenizer file (<c>tokenizer.bin</c>, <c>tok512.bin</c>...): int32 max_token_length, then per token a
/// float32 score, an int32 byte length and that many UTF-8 bytes. Token strings are as llama2.c stores them:
/// SentencePiece's "▁" written as a plain space, BOS/EOS as "\n&lt;s&gt;\n" / "\n&lt;/s&gt;\n", byte tokens as "&lt;0xNN&gt;".
/// The file does not store the token count; it is read to its end.
/// </summary>
public sealed class Llama2cVocabulary
{
    /// <summary>Upper bound accepted for max_token_length (SentencePiece pieces are short; a larger value means a corrupt file).</summary>
    public const int MaxAcceptedTokenLength = 1 << 16;

    private Llama2cVocabulary(int maxTokenLength, string[] pieces, float[] scores)
    {
        MaxTokenLength = maxTokenLength; Pieces = pieces; Scores = scores;
    }

    /// <summary>The header's max_token_length (every piece's UTF-8 length is at most this).</summary>
    public int MaxTokenLength { get; }

    /// <summary>Token strings in id order, exactly as the file stores them.</summary>
    public IReadOnlyList<string> Pieces { get; }

    /// <summary>Merge scores in id order (llama2.c merges the adjacent pair whose concatenation scores highest).</summary>
    public IReadOnlyList<float> Scores { get; }

    /// <summary>Number of tokens.</summary>
    public int Count => Pieces.Count;

    /// <summary>Reads and validates a llama2.c tokenizer file.</summary>
    /// <exception cref="InvalidModelFileException">Truncated, a length out of range, a NaN score, or bytes that are not UTF-8.</exception>
    public static Llama2cVocabulary Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such llama2.c tokenizer file", path);
        byte[] data = File.ReadAllBytes(path);
        if (data.Length < sizeof(int))
            throw new InvalidModelFileException(path, $"file is {data.Length} bytes, too short for the int32 max_token_length header");
        int maxLength = BinaryPrimitives.ReadInt32LittleEndian(data);
        if (maxLength <= 0 || maxLength > MaxAcceptedTokenLength)
            throw new InvalidModelFileException(path, $"header field max_token_length = {maxLength} is out of range (1..{MaxAcceptedTokenLength})");

        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        var pieces = new List<string>();
        var scores = new List<float>();
        int pos = sizeof(int);
        while (pos < data.Length)
        {
            int id = pieces.Count;
            if (data.Length - pos < 2 * sizeof(int))
                throw new InvalidModelFileException(path, $"token {id} at byte {pos}: needs 8 bytes for its score and length, {data.Length - pos} left (truncated)");
            float score = BinaryPrimitives.ReadSingleLittleEndian(data.AsSpan(pos));
            int length = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(pos + sizeof(float)));
            pos += 2 * sizeof(int);
            if (float.IsNaN(score)) throw new InvalidModelFileException(path, $"token {id}: score is NaN");
            if (length <= 0 || length > maxLength)
                throw new InvalidModelFileException(path, $"token {id} at byte {pos - sizeof(int)}: length = {length} is out of range (1..max_token_length {maxLength})");
            if (data.Length - pos < length)
                throw new InvalidModelFileException(path, $"token {id} at byte {pos}: needs {length} bytes, {data.Length - pos} left (truncated)");
            string piece;
            try { piece = utf8.GetString(data, pos, length); }
            catch (DecoderFallbackException e) { throw new InvalidModelFileException(path, $"token {id}: its {length} bytes are not valid UTF-8", e); }
            pieces.Add(piece);
            scores.Add(score);
            pos += length;
        }
        if (pieces.Count == 0) throw new InvalidModelFileException(path, "file holds no tokens");
        return new Llama2cVocabulary(maxLength, pieces.ToArray(), scores.ToArray());
    }
}
