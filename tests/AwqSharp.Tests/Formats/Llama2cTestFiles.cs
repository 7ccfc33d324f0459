using System.Buffers.Binary;
using System.Text;

namespace AwqSharp.Tests.Formats;

/// <summary>
/// Writes llama2.c files for tests, following karpathy/llama2.c export.py (legacy_export / version1_export) and
/// tokenizer.py's export, independently of the reader. Every tensor element is a value that names its tensor, layer
/// and index, so a reader that takes a tensor from the wrong place is caught.
/// </summary>
internal static class Llama2cTestFiles
{
    public const string StoriesCheckpoint = "models/stories260K/stories260K.bin";
    public const string StoriesTokenizer = "models/stories260K/tok512.bin";
    public const string EvalText = "data/tinystories/eval.txt";

    /// <summary>Tensor kinds in a fixed canonical order (their index is part of every element's value).</summary>
    public enum Kind { Embedding, AttentionNorm, Wq, Wk, Wv, Wo, FfnNorm, W1, W2, W3, FinalNorm, Classifier }

    public sealed record Shape(int Dim, int Hidden, int Layers, int Heads, int KvHeads, int Vocab, int SeqLen)
    {
        public int HeadSize => Dim / Heads;
        public int KvDim => KvHeads * HeadSize;

        public (int Rows, int Cols) Of(Kind kind) => kind switch
        {
            Kind.Embedding or Kind.Classifier => (Vocab, Dim),
            Kind.AttentionNorm or Kind.FfnNorm or Kind.FinalNorm => (1, Dim),
            Kind.Wq or Kind.Wo => (Dim, Dim),
            Kind.Wk or Kind.Wv => (KvDim, Dim),
            Kind.W1 or Kind.W3 => (Hidden, Dim),
            Kind.W2 => (Dim, Hidden),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    /// <summary>A small GQA model: 4 query heads over 2 kv heads, head size 4, vocab 300.</summary>
    public static readonly Shape Small = new(Dim: 16, Hidden: 24, Layers: 2, Heads: 4, KvHeads: 2, Vocab: 300, SeqLen: 8);

    /// <summary>The value of element <paramref name="index"/> of <paramref name="kind"/> in <paramref name="layer"/> (exact in float32).</summary>
    public static float Value(Kind kind, int layer, int index) => (int)kind * 1000 + layer * 100 + (index % 397) / 8f;

    public static float[] Expected(Shape s, Kind kind, int layer)
    {
        var (rows, cols) = s.Of(kind);
        var values = new float[rows * cols];
        for (int i = 0; i < values.Length; i++) values[i] = Value(kind, layer, i);
        return values;
    }

    /// <summary>A legacy (version 0) checkpoint: 7-int header with the vocab sign as the shared flag, RoPE tables included.</summary>
    public static byte[] Legacy(Shape s, bool shared)
    {
        var w = new MemoryStream();
        foreach (int v in new[] { s.Dim, s.Hidden, s.Layers, s.Heads, s.KvHeads, shared ? s.Vocab : -s.Vocab, s.SeqLen }) Int(w, v);
        Tensor(w, s, Kind.Embedding, 1);
        foreach (var k in new[] { Kind.AttentionNorm, Kind.Wq, Kind.Wk, Kind.Wv, Kind.Wo, Kind.FfnNorm, Kind.W1, Kind.W2, Kind.W3 })
            Tensor(w, s, k, s.Layers);
        Tensor(w, s, Kind.FinalNorm, 1);
        for (int i = 0; i < 2 * s.SeqLen * s.HeadSize / 2; i++) Float(w, -1f); // freq_cis_real, freq_cis_imag
        if (!shared) Tensor(w, s, Kind.Classifier, 1);
        return w.ToArray();
    }

    /// <summary>A version 1 checkpoint: "ak42", version, the 7 ints, the shared byte, zero padding to 256, norms first.</summary>
    public static byte[] Version1(Shape s, bool shared, int version = 1)
    {
        var w = new MemoryStream();
        Int(w, 0x616b3432);
        Int(w, version);
        foreach (int v in new[] { s.Dim, s.Hidden, s.Layers, s.Heads, s.KvHeads, s.Vocab, s.SeqLen }) Int(w, v);
        w.WriteByte(shared ? (byte)1 : (byte)0);
        while (w.Length < 256) w.WriteByte(0);
        Tensor(w, s, Kind.AttentionNorm, s.Layers);
        Tensor(w, s, Kind.FfnNorm, s.Layers);
        Tensor(w, s, Kind.FinalNorm, 1);
        Tensor(w, s, Kind.Embedding, 1);
        foreach (var k in new[] { Kind.Wq, Kind.Wk, Kind.Wv, Kind.Wo, Kind.W1, Kind.W2, Kind.W3 }) Tensor(w, s, k, s.Layers);
        if (!shared) Tensor(w, s, Kind.Classifier, 1);
        return w.ToArray();
    }

    /// <summary>
    /// A llama2.c tokenizer file as tokenizer.py exports a Llama SentencePiece model: unk, "\n&lt;s&gt;\n", "\n&lt;/s&gt;\n",
    /// 256 byte pieces (score 0), then <paramref name="pieces"/> (spaces as plain spaces) scored 0, -1, -2, ...
    /// </summary>
    public static byte[] Tokenizer(IReadOnlyList<string> pieces, int? maxTokenLength = null)
    {
        var all = new List<(float Score, byte[] Bytes)> { (0, "<unk>"u8.ToArray()), (0, "\n<s>\n"u8.ToArray()), (0, "\n</s>\n"u8.ToArray()) };
        for (int b = 0; b < 256; b++) all.Add((0, Encoding.ASCII.GetBytes($"<0x{b:X2}>")));
        for (int i = 0; i < pieces.Count; i++) all.Add((-i, Encoding.UTF8.GetBytes(pieces[i])));
        var w = new MemoryStream();
        Int(w, maxTokenLength ?? all.Max(t => t.Bytes.Length));
        foreach (var (score, bytes) in all)
        {
            Float(w, score);
            Int(w, bytes.Length);
            w.Write(bytes);
        }
        return w.ToArray();
    }

    /// <summary>41 pieces after the bytes, for a 300-token vocabulary matching <see cref="Small"/>.</summary>
    public static IReadOnlyList<string> SmallPieces()
    {
        var pieces = new List<string> { " a", " t", "he", " the", "ab", " ab", "in", "ing", " s", "ed", " w", "ou", "th", " th", "er" };
        for (char c = 'a'; pieces.Count < 40; c++) pieces.Add(c.ToString());
        pieces.Add(" ");
        return pieces;
    }

    private static void Tensor(Stream w, Shape s, Kind kind, int layers)
    {
        for (int l = 0; l < layers; l++)
            foreach (float v in Expected(s, kind, l)) Float(w, v);
    }

    private static void Int(Stream w, int v) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteInt32LittleEndian(b, v); w.Write(b); }
    private static void Float(Stream w, float v) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteSingleLittleEndian(b, v); w.Write(b); }
}
