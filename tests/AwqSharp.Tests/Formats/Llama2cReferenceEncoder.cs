using System.Buffers.Binary;
using System.Text;

namespace AwqSharp.Tests.Formats;

/// <summary>
/// An independent, direct transcription of llama2.c's <c>encode</c> (run.c) over a tokenizer file it parses itself:
/// optional BOS, the dummy-prefix token " " when the text is not empty, every UTF-8 character looked up as a piece (or
/// its bytes as byte tokens id = byte + 3), then repeatedly merge the adjacent pair whose concatenated string is a piece
/// with the highest score (leftmost on ties, scores must beat -1e10), optional EOS. Strings are compared as bytes, as
/// strcmp does. Quadratic, like the original: use it on lines, not on whole books.
/// </summary>
internal sealed class Llama2cReferenceEncoder
{
    private readonly string[] _vocab;          // bytes as Latin-1 chars: one char per byte, so string equality is strcmp
    private readonly float[] _scores;
    private readonly Dictionary<string, int> _lookup = new(StringComparer.Ordinal);
    private readonly Dictionary<(int, int), int> _pairs = new();   // memo of Lookup(vocab[a] + vocab[b]): same answers, no string per probe

    public Llama2cReferenceEncoder(string tokenizerPath)
    {
        byte[] data = File.ReadAllBytes(tokenizerPath);
        var vocab = new List<string>();
        var scores = new List<float>();
        int pos = 4; // max_token_length
        while (pos < data.Length)
        {
            scores.Add(BinaryPrimitives.ReadSingleLittleEndian(data.AsSpan(pos)));
            int len = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(pos + 4));
            vocab.Add(Encoding.Latin1.GetString(data, pos + 8, len));
            pos += 8 + len;
        }
        _vocab = vocab.ToArray();
        _scores = scores.ToArray();
        for (int i = 0; i < _vocab.Length; i++) _lookup.TryAdd(_vocab[i], i);
    }

    public int VocabSize => _vocab.Length;

    /// <param name="text">Text to encode.</param>
    /// <param name="bos">Start with BOS (id 1).</param>
    /// <param name="eos">End with EOS (id 2).</param>
    /// <param name="dummyPrefix">llama2.c always adds the " " token first; false encodes text that continues a line.</param>
    public List<int> Encode(string text, bool bos = false, bool eos = false, bool dummyPrefix = true)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        var tokens = new List<int>(bytes.Length + 3);
        if (bos) tokens.Add(1);
        if (bytes.Length > 0 && dummyPrefix) tokens.Add(Lookup(" "));

        var buffer = new StringBuilder();
        for (int c = 0; c < bytes.Length; c++)
        {
            if ((bytes[c] & 0xC0) != 0x80) buffer.Clear();
            buffer.Append((char)bytes[c]);
            bool nextIsContinuation = c + 1 < bytes.Length && (bytes[c + 1] & 0xC0) == 0x80;
            if (nextIsContinuation && buffer.Length < 4) continue;
            int id = Lookup(buffer.ToString());
            if (id != -1) tokens.Add(id);
            else foreach (char b in buffer.ToString()) tokens.Add(b + 3);
            buffer.Clear();
        }

        while (true)
        {
            float bestScore = -1e10f;
            int bestId = -1, bestIdx = -1;
            for (int i = 0; i < tokens.Count - 1; i++)
            {
                int id = PairLookup(tokens[i], tokens[i + 1]);
                if (id != -1 && _scores[id] > bestScore)
                {
                    bestScore = _scores[id]; bestId = id; bestIdx = i;
                }
            }
            if (bestIdx == -1) break;
            tokens[bestIdx] = bestId;
            tokens.RemoveAt(bestIdx + 1);
        }

        if (eos) tokens.Add(2);
        return tokens;
    }

    private int PairLookup(int a, int b)
    {
        if (!_pairs.TryGetValue((a, b), out int id)) _pairs[(a, b)] = id = Lookup(_vocab[a] + _vocab[b]);
        return id;
    }

    private int Lookup(string latin1) => _lookup.TryGetValue(latin1, out int id) ? id : -1;
}
