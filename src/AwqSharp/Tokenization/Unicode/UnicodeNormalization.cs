using System.Buffers;
using System.Text;

namespace AwqSharp.Tokenization.Unicode;

/// <summary>
/// Canonical Unicode normalization (NFC, NFD) in managed code, from the tables in
/// <see cref="UnicodeNormalizationData"/>. Needed because <see cref="string.Normalize()"/> is the identity
/// when the process runs with InvariantGlobalization, as AwqSharp does.
/// </summary>
internal static class UnicodeNormalization
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    private const byte NfcUnstable = 1, NfdUnstable = 2;

    private static readonly Tables Data = new();

    /// <summary>NFC: canonical decomposition, canonical ordering, canonical composition.</summary>
    public static string ToNfc(string s)
    {
        int first = FirstUnstable(s, NfcUnstable);
        return first < 0 ? s : Normalize(s, first, compose: true);
    }

    /// <summary>NFD: canonical decomposition and canonical ordering.</summary>
    public static string ToNfd(string s)
    {
        int first = FirstUnstable(s, NfdUnstable);
        return first < 0 ? s : Normalize(s, first, compose: false);
    }

    /// <summary>Canonical combining class of a code point (0 for starters).</summary>
    public static int CombiningClass(int cp) => cp < 0x300 ? 0 : Data.CombiningClass(cp);

    /// <summary>Index of the first char whose code point may change under the normalization, or -1.</summary>
    private static int FirstUnstable(string s, byte flag)
    {
        // Everything below U+0300 is stable under NFC, everything below U+00C0 under NFD.
        int i = s.AsSpan().IndexOfAnyExceptInRange('\0', flag == NfcUnstable ? '\u02FF' : '\u00BF');
        if (i < 0) return -1;
        for (; i < s.Length; i++)
        {
            char c = s[i];
            if (c < 0xC0) continue;
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                if ((Data.Flags(char.ConvertToUtf32(c, s[i + 1])) & flag) != 0) return i;
                i++;
                continue;
            }
            if ((Data.Flags(c) & flag) != 0) return i;
        }
        return -1;
    }

    private static string Normalize(string s, int firstUnstable, bool compose)
    {
        // Restart from the last starter before the first unstable code point: it may compose with what follows.
        int start = firstUnstable;
        while (start > 0)
        {
            int prev = start - 1;
            if (char.IsLowSurrogate(s[prev]) && prev > 0 && char.IsHighSurrogate(s[prev - 1])) prev--;
            start = prev;
            if (CombiningClass(CodePointAt(s, start)) == 0) break;
        }

        var buffer = ArrayPool<int>.Shared.Rent(Math.Max(16, (s.Length - start) * 4));
        try
        {
            int n = 0;
            for (int i = start; i < s.Length;)
            {
                int cp = CodePointAt(s, i);
                i += cp >= 0x10000 ? 2 : 1;
                Decompose(cp, buffer, ref n);
            }
            CanonicalOrder(buffer.AsSpan(0, n));
            if (compose) n = Compose(buffer.AsSpan(0, n));

            var sb = new StringBuilder(s.Length + 8);
            sb.Append(s, 0, start);
            Span<char> pair = stackalloc char[2];
            for (int k = 0; k < n; k++)
            {
                int cp = buffer[k];
                if (cp < 0x10000) sb.Append((char)cp);
                else sb.Append(pair[..new Rune(cp).EncodeToUtf16(pair)]);
            }
            return sb.ToString();
        }
        finally
        {
            ArrayPool<int>.Shared.Return(buffer);
        }
    }

    /// <summary>Code point at <paramref name="i"/>; a lone surrogate is returned as itself.</summary>
    private static int CodePointAt(string s, int i)
    {
        char c = s[i];
        if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            return char.ConvertToUtf32(c, s[i + 1]);
        return c;
    }

    private static void Decompose(int cp, int[] buffer, ref int n)
    {
        if (cp >= SBase && cp < SBase + SCount)
        {
            int index = cp - SBase;
            buffer[n++] = LBase + index / NCount;
            buffer[n++] = VBase + index % NCount / TCount;
            int t = index % TCount;
            if (t != 0) buffer[n++] = TBase + t;
            return;
        }
        if (cp >= 0xC0 && Data.TryGetDecomposition(cp, out int a, out int b))
        {
            Decompose(a, buffer, ref n);
            if (b >= 0) Decompose(b, buffer, ref n);
            return;
        }
        buffer[n++] = cp;
    }

    /// <summary>Stable sort of each run of non-starters by combining class.</summary>
    private static void CanonicalOrder(Span<int> cps)
    {
        for (int i = 1; i < cps.Length; i++)
        {
            int ccc = CombiningClass(cps[i]);
            if (ccc == 0) continue;
            int j = i;
            int cp = cps[i];
            while (j > 0)
            {
                int prev = CombiningClass(cps[j - 1]);
                if (prev <= ccc) break; // starters (0) stop the move too
                cps[j] = cps[j - 1];
                j--;
            }
            cps[j] = cp;
        }
    }

    /// <summary>Canonical composition in place; returns the new length.</summary>
    private static int Compose(Span<int> cps)
    {
        if (cps.Length == 0) return 0;
        int starter = -1;
        int lastCcc = 0;
        int n = 0;
        for (int i = 0; i < cps.Length; i++)
        {
            int cp = cps[i];
            int ccc = CombiningClass(cp);
            if (starter >= 0)
            {
                bool adjacent = n - 1 == starter;
                bool blocked = !adjacent && (lastCcc == 0 || lastCcc >= ccc);
                if (!blocked && TryCompose(cps[starter], cp, out int composite))
                {
                    cps[starter] = composite;
                    continue;
                }
            }
            if (ccc == 0) starter = n;
            lastCcc = ccc;
            cps[n++] = cp;
        }
        return n;
    }

    private static bool TryCompose(int a, int b, out int composite)
    {
        if (a >= LBase && a < LBase + LCount && b >= VBase && b < VBase + VCount)
        {
            composite = SBase + ((a - LBase) * VCount + (b - VBase)) * TCount;
            return true;
        }
        if (a >= SBase && a < SBase + SCount && (a - SBase) % TCount == 0 && b > TBase && b < TBase + TCount)
        {
            composite = a + (b - TBase);
            return true;
        }
        return Data.TryCompose(a, b, out composite);
    }

    /// <summary>The decoded tables, built once on first use.</summary>
    private sealed class Tables
    {
        private readonly Dictionary<int, (int First, int Second)> _decompositions = new();
        private readonly Dictionary<long, int> _compositions = new();
        private readonly Dictionary<int, byte> _astralFlags = new();
        private readonly byte[] _bmpFlags = new byte[0x10000];
        private readonly byte[] _bmpCcc = new byte[0x10000];
        private readonly Dictionary<int, byte> _astralCcc = new();

        public Tables()
        {
            var ranges = UnicodeNormalizationData.CombiningClassRanges;
            for (int i = 0; i < ranges.Length; i += 3)
                for (int cp = ranges[i]; cp <= ranges[i + 1]; cp++)
                {
                    byte ccc = (byte)ranges[i + 2];
                    if (cp < 0x10000) _bmpCcc[cp] = ccc; else _astralCcc[cp] = ccc;
                    SetFlag(cp, NfcUnstable | NfdUnstable);
                }

            var excluded = new HashSet<int>();
            foreach (int cp in UnicodeNormalizationData.CompositionExclusions) excluded.Add(cp);

            var d = UnicodeNormalizationData.Decompositions;
            for (int i = 0; i < d.Length; i += 3)
            {
                int cp = d[i], first = d[i + 1], second = d[i + 2];
                _decompositions[cp] = (first, second);
                SetFlag(cp, NfdUnstable);
                if (second >= 0 && !excluded.Contains(cp))
                {
                    _compositions[Key(first, second)] = cp;
                    SetFlag(second, NfcUnstable); // may compose with a preceding starter
                }
                else
                {
                    SetFlag(cp, NfcUnstable); // singleton or excluded: never survives NFC
                }
            }
            for (int v = VBase; v < VBase + VCount; v++) SetFlag(v, NfcUnstable);
            for (int t = TBase + 1; t < TBase + TCount; t++) SetFlag(t, NfcUnstable);
            for (int s = SBase; s < SBase + SCount; s++) SetFlag(s, NfdUnstable);
        }

        private static long Key(int a, int b) => ((long)a << 21) | (uint)b;

        private void SetFlag(int cp, int flag)
        {
            if (cp < 0x10000) _bmpFlags[cp] |= (byte)flag;
            else _astralFlags[cp] = (byte)(_astralFlags.GetValueOrDefault(cp) | flag);
        }

        public byte Flags(int cp) => cp < 0x10000 ? _bmpFlags[cp] : _astralFlags.GetValueOrDefault(cp);

        public int CombiningClass(int cp) => cp < 0x10000 ? _bmpCcc[cp] : _astralCcc.GetValueOrDefault(cp);

        public bool TryGetDecomposition(int cp, out int first, out int second)
        {
            if (_decompositions.TryGetValue(cp, out var d)) { first = d.First; second = d.Second; return true; }
            first = second = 0;
            return false;
        }

        public bool TryCompose(int a, int b, out int composite) => _compositions.TryGetValue(Key(a, b), out composite);
    }
}
