using System.Text;
using AwqSharp.Tokenization.Model;

namespace AwqSharp.Tokenization.Decoders;

/// <summary>"ByteFallback": runs of &lt;0xNN&gt; tokens become their UTF-8 text, or one U+FFFD per byte when invalid.</summary>
internal sealed class ByteFallbackDecoder : TokenDecoder
{
    public override void Apply(List<string> tokens, DecodeContext context)
    {
        var result = new List<string>(tokens.Count);
        var run = new List<byte>();
        foreach (string token in tokens)
        {
            if (TryParseByte(token, out byte b)) { run.Add(b); continue; }
            Flush(run, result);
            result.Add(token);
        }
        Flush(run, result);
        tokens.Clear();
        tokens.AddRange(result);
    }

    public override bool NeedsMore(IReadOnlyList<string> window) => window.Count > 0 && TryParseByte(window[^1], out _);

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static void Flush(List<byte> run, List<string> result)
    {
        if (run.Count == 0) return;
        try
        {
            result.Add(Strict.GetString(run.ToArray()));
        }
        catch (DecoderFallbackException)
        {
            for (int i = 0; i < run.Count; i++) result.Add("\uFFFD");
        }
        run.Clear();
    }

    /// <summary>HuggingFace's test: 6 bytes, "&lt;0x" + two chars that u8::from_str_radix(16) accepts + "&gt;".</summary>
    public static bool TryParseByte(string token, out byte value)
    {
        value = 0;
        if (token.Length != 6 || !token.StartsWith("<0x", StringComparison.Ordinal) || token[5] != '>') return false;
        char hi = token[3], lo = token[4];
        if (!HexValue(lo, out int l)) return false;
        if (hi == '+') { value = (byte)l; return true; } // from_str_radix accepts a sign: "<0x+F>" is byte 15
        if (!HexValue(hi, out int h)) return false;
        value = (byte)(h * 16 + l);
        return true;
    }

    private static bool HexValue(char c, out int v)
    {
        v = c switch
        {
            >= '0' and <= '9' => c - '0',
            >= 'a' and <= 'f' => c - 'a' + 10,
            >= 'A' and <= 'F' => c - 'A' + 10,
            _ => -1,
        };
        return v >= 0;
    }
}

/// <summary>"ByteLevel" decoder: tokens back to bytes through GPT-2's alphabet, then lossy UTF-8.</summary>
internal sealed class ByteLevelDecoder : TokenDecoder
{
    public override void Apply(List<string> tokens, DecodeContext context)
    {
        var bytes = new List<byte>();
        foreach (string token in tokens) AppendBytes(token, bytes);
        tokens.Clear();
        tokens.Add(Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes)));
        context.Fused = true;
    }

    public override bool NeedsMore(IReadOnlyList<string> window)
    {
        var bytes = new List<byte>();
        // Only the tail matters; a sequence is at most 4 bytes, each token adds at least one.
        for (int i = Math.Max(0, window.Count - 4); i < window.Count; i++) AppendBytes(window[i], bytes);
        return Utf8Tail.EndsInsideSequence(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes));
    }

    /// <summary>The bytes of a token: its alphabet bytes, or its own UTF-8 when a char is outside the alphabet.</summary>
    public static void AppendBytes(string token, List<byte> bytes)
    {
        foreach (char c in token)
        {
            if (ByteLevelAlphabet.ByteOf(c) < 0)
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(token));
                return;
            }
        }
        foreach (char c in token) bytes.Add((byte)ByteLevelAlphabet.ByteOf(c));
    }
}

/// <summary>UTF-8 tail test for streaming.</summary>
internal static class Utf8Tail
{
    /// <summary>
    /// True when <paramref name="bytes"/> ends with the valid beginning of a multi-byte sequence, i.e. more bytes
    /// could still complete it. Invalid or complete tails are final: lossy decoding will not change them.
    /// </summary>
    public static bool EndsInsideSequence(ReadOnlySpan<byte> bytes)
    {
        int n = bytes.Length;
        for (int k = 1; k <= Math.Min(3, n); k++)
        {
            byte x = bytes[n - k];
            if (x < 0x80) return false;
            if (x < 0xC0) continue; // continuation byte: look further back
            if (x < 0xC2 || x > 0xF4) return false;
            int need = x >= 0xF0 ? 4 : x >= 0xE0 ? 3 : 2;
            if (k >= need) return false;
            for (int j = 1; j < k; j++)
            {
                byte c = bytes[n - k + j];
                var (lo, hi) = j == 1 ? SecondByteRange(x) : ((byte)0x80, (byte)0xBF);
                if (c < lo || c > hi) return false;
            }
            return true;
        }
        return false;
    }

    private static (byte Lo, byte Hi) SecondByteRange(byte lead) => lead switch
    {
        0xE0 => (0xA0, 0xBF),
        0xED => (0x80, 0x9F),
        0xF0 => (0x90, 0xBF),
        0xF4 => (0x80, 0x8F),
        _ => (0x80, 0xBF),
    };
}
