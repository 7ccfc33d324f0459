using System.Buffers;
using System.Text;

namespace AwqSharp.Tokenization.Model;

/// <summary>What a BPE model is made of, as tokenizer.json's "model" object (or vocab.json + merges.txt) gives it.</summary>
internal sealed class BpeModelSpec
{
    public required Dictionary<string, int> Vocab { get; init; }
    public required IReadOnlyList<(string Left, string Right)> Merges { get; init; }
    public string? UnkToken { get; init; }
    public bool FuseUnk { get; init; }
    public bool ByteFallback { get; init; }
    public bool IgnoreMerges { get; init; }
    public string? ContinuingSubwordPrefix { get; init; }
    public string? EndOfWordSuffix { get; init; }
}

/// <summary>
/// Byte-pair-encoding model with the exact semantics of HuggingFace tokenizers' <c>BPE</c>:
/// per-character initial symbols (with byte fallback to <c>&lt;0xNN&gt;</c> tokens, or unknown-token
/// fusing), then merges by rank, <c>ignore_merges</c>, continuing-subword prefix and end-of-word suffix.
/// Encodes one pre-token at a time; results are cached per word.
/// </summary>
internal sealed class BpeModel
{
    /// <summary>SentencePiece's word-boundary mark.</summary>
    public const char MetaspaceChar = '\u2581';

    /// <summary>Bound on vocabulary ids (the id-to-token table is dense): far above any real vocabulary.</summary>
    public const int MaxId = 1 << 24;

    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _vocabLookup;
    private readonly string?[] _idToToken;
    private readonly MergeTable _merges;
    private readonly int _unkId;
    private readonly bool _fuseUnk;
    private readonly bool _byteFallback;
    private readonly bool _ignoreMerges;
    private readonly string _prefix;
    private readonly string _suffix;
    private readonly int[] _byteFallbackIds = new int[256];
    private readonly bool _splitAtMetaspace;
    private readonly WordCache _plainCache = new();
    private readonly WordCache _byteLevelCache = new();

    /// <param name="spec">Vocabulary, merges and options.</param>
    /// <param name="source">File the model came from, for error messages.</param>
    /// <param name="field">JSON path of the model in that file ("model" or a file name), for error messages.</param>
    public BpeModel(BpeModelSpec spec, string source, string field)
    {
        _vocab = spec.Vocab;
        _vocabLookup = _vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        _fuseUnk = spec.FuseUnk;
        _byteFallback = spec.ByteFallback;
        _ignoreMerges = spec.IgnoreMerges;
        _prefix = spec.ContinuingSubwordPrefix ?? "";
        _suffix = spec.EndOfWordSuffix ?? "";

        int maxId = -1;
        foreach (var (token, id) in _vocab)
        {
            if (id < 0) throw new InvalidModelFileException(source, $"{field}.vocab: token {Quote(token)} has a negative id {id}");
            maxId = Math.Max(maxId, id);
        }
        if (maxId >= MaxId) throw new InvalidModelFileException(source, $"{field}.vocab: id {maxId} is too large (ids must be below {MaxId})");
        _idToToken = new string?[maxId + 1];
        foreach (var (token, id) in _vocab) _idToToken[id] = token;

        _unkId = -1;
        if (spec.UnkToken is { } unk)
        {
            if (!_vocab.TryGetValue(unk, out _unkId))
                throw new InvalidModelFileException(source, $"{field}.unk_token {Quote(unk)} is not in {field}.vocab");
        }

        for (int b = 0; b < 256; b++)
            _byteFallbackIds[b] = _vocab.TryGetValue($"<0x{b:X2}>", out int id) ? id : -1;

        _merges = BuildMerges(spec.Merges, source, field);
        _splitAtMetaspace = CanSplitAtMetaspace(spec.Merges);
    }

    /// <summary>Number of entries in the model vocabulary.</summary>
    public int VocabCount => _vocab.Count;

    /// <summary>One more than the largest id of the model vocabulary.</summary>
    public int IdLimit => _idToToken.Length;

    /// <summary>Whether long SentencePiece-style words are encoded in cached chunks (see <see cref="CanSplitAtMetaspace"/>).</summary>
    public bool SplitsAtMetaspace => _splitAtMetaspace;

    /// <summary>Whether the model uses byte fallback.</summary>
    public bool ByteFallback => _byteFallback;

    /// <summary>Number of merges kept (duplicates collapse onto their last rank, as in HuggingFace).</summary>
    public int MergeCount => _merges.Count;

    public int? TokenToId(string token) => _vocab.TryGetValue(token, out int id) ? id : null;

    public int? TokenToId(ReadOnlySpan<char> token) => _vocabLookup.TryGetValue(token, out int id) ? id : null;

    public string? IdToToken(int id) => (uint)id < (uint)_idToToken.Length ? _idToToken[id] : null;

    /// <summary>The model vocabulary (token to id).</summary>
    public IReadOnlyDictionary<string, int> Vocab => _vocab;

    /// <summary>Rank of the merge of two tokens, or null when there is none (for tests and tools).</summary>
    public int? MergeRank(int left, int right) =>
        _merges.TryGetValue(BpeMerger.PairKey(left, right), out long v) ? (int)(v >> 32) : null;

    /// <summary>The merge table: <see cref="BpeMerger.PairKey"/> to <see cref="BpeMerger.MergeValue"/>.</summary>
    internal MergeTable Merges => _merges;

    /// <summary>Per-call access to the calling thread's word caches.</summary>
    public Session StartSession(IdBuffer output) => new(this, output);

    /// <summary>Encodes pre-tokens into one output with the calling thread's caches (one encode call, one thread).</summary>
    public readonly struct Session
    {
        private readonly BpeModel _model;
        private readonly WordCache.Store _plain;
        private readonly WordCache.Store _byteLevel;

        public Session(BpeModel model, IdBuffer output)
        {
            _model = model;
            _plain = model._plainCache.ForCurrentThread();
            _byteLevel = model._byteLevelCache.ForCurrentThread();
            Output = output;
        }

        public IdBuffer Output { get; }

        /// <summary>
        /// Appends the ids of one pre-token. With <paramref name="byteLevel"/>, <paramref name="piece"/> is raw text
        /// that is first mapped to GPT-2's byte alphabet (UTF-8 bytes); otherwise it is already in the model's alphabet.
        /// </summary>
        public void Encode(ReadOnlySpan<char> piece, bool byteLevel)
        {
            if (piece.IsEmpty) return;
            if (byteLevel)
            {
                if (_byteLevel.TryGet(piece, out int[] cached)) { Output.AddRange(cached); return; }
                int[] ids = _model.EncodeByteLevelWord(piece);
                _byteLevel.Add(piece, ids);
                Output.AddRange(ids);
                return;
            }

            if (!_model._splitAtMetaspace) { EncodePlain(piece); return; }

            // A chunk starts at each U+2581 that follows another character than U+2581.
            int start = 0;
            for (int i = 1; i < piece.Length; i++)
            {
                if (piece[i] == MetaspaceChar && piece[i - 1] != MetaspaceChar)
                {
                    EncodePlain(piece[start..i]);
                    start = i;
                }
            }
            EncodePlain(piece[start..]);
        }

        private void EncodePlain(ReadOnlySpan<char> word)
        {
            if (_plain.TryGet(word, out int[] cached)) { Output.AddRange(cached); return; }
            int[] ids = _model.EncodeWord(word);
            _plain.Add(word, ids);
            Output.AddRange(ids);
        }
    }

    private int[] EncodeByteLevelWord(ReadOnlySpan<char> raw)
    {
        int maxBytes = Encoding.UTF8.GetMaxByteCount(raw.Length);
        byte[]? rentedBytes = null;
        char[]? rentedChars = null;
        Span<byte> bytes = maxBytes <= 1024 ? stackalloc byte[maxBytes] : (rentedBytes = ArrayPool<byte>.Shared.Rent(maxBytes));
        try
        {
            int n = Encoding.UTF8.GetBytes(raw, bytes);
            Span<char> mapped = n <= 1024 ? stackalloc char[n] : (rentedChars = ArrayPool<char>.Shared.Rent(n)).AsSpan(0, n);
            ByteLevelAlphabet.Map(bytes[..n], mapped);
            return EncodeWord(mapped);
        }
        finally
        {
            if (rentedBytes is not null) ArrayPool<byte>.Shared.Return(rentedBytes);
            if (rentedChars is not null) ArrayPool<char>.Shared.Return(rentedChars);
        }
    }

    /// <summary>BPE of one word given in the model's alphabet (HuggingFace <c>BPE::tokenize</c> without cache).</summary>
    public int[] EncodeWord(ReadOnlySpan<char> word)
    {
        if (word.IsEmpty) return [];
        if (_ignoreMerges && _vocabLookup.TryGetValue(word, out int whole)) return [whole];

        int capacity = word.Length * (3 * _prefix.Length + 4) + 3 * _suffix.Length + 4;
        int[] symbols = ArrayPool<int>.Shared.Rent(capacity);
        try
        {
            int n = InitialSymbols(word, symbols);
            n = BpeMerger.MergeAll(symbols.AsSpan(0, n), _merges);
            return symbols.AsSpan(0, n).ToArray();
        }
        finally
        {
            ArrayPool<int>.Shared.Return(symbols);
        }
    }

    /// <summary>HuggingFace <c>BPE::merge_word</c> before merging: one symbol per character, or its byte tokens, or unk.</summary>
    private int InitialSymbols(ReadOnlySpan<char> word, int[] symbols)
    {
        int n = 0;
        bool unkPending = false;
        Span<char> scratch = stackalloc char[2 + _prefix.Length + _suffix.Length];
        Span<byte> utf8 = stackalloc byte[Encoding.UTF8.GetMaxByteCount(scratch.Length)];
        for (int i = 0; i < word.Length;)
        {
            int len = char.IsHighSurrogate(word[i]) && i + 1 < word.Length && char.IsLowSurrogate(word[i + 1]) ? 2 : 1;
            bool isFirst = i == 0;
            bool isLast = i + len == word.Length;
            scoped ReadOnlySpan<char> s = word.Slice(i, len);
            i += len;
            if ((!isFirst && _prefix.Length > 0) || (isLast && _suffix.Length > 0))
            {
                int w = 0;
                if (!isFirst) { _prefix.CopyTo(scratch); w = _prefix.Length; }
                s.CopyTo(scratch[w..]); w += len;
                if (isLast) { _suffix.CopyTo(scratch[w..]); w += _suffix.Length; }
                s = scratch[..w];
            }

            if (_vocabLookup.TryGetValue(s, out int id))
            {
                if (unkPending) { symbols[n++] = _unkId; unkPending = false; }
                symbols[n++] = id;
                continue;
            }
            if (_byteFallback)
            {
                int count = Encoding.UTF8.GetBytes(s, utf8);
                bool all = true;
                for (int b = 0; b < count; b++) all &= _byteFallbackIds[utf8[b]] >= 0;
                if (all)
                {
                    // HuggingFace adds the byte tokens without flushing a pending unk first; so do we.
                    for (int b = 0; b < count; b++) symbols[n++] = _byteFallbackIds[utf8[b]];
                    continue;
                }
            }
            if (_unkId >= 0)
            {
                if (unkPending && !_fuseUnk) symbols[n++] = _unkId;
                unkPending = true;
            }
            // No unk token: HuggingFace drops the character.
        }
        if (unkPending) symbols[n++] = _unkId;
        return n;
    }

    private MergeTable BuildMerges(IReadOnlyList<(string Left, string Right)> merges, string source, string field)
    {
        var table = new MergeTable(merges.Count);
        char[] buffer = new char[64];
        for (int rank = 0; rank < merges.Count; rank++)
        {
            var (left, right) = merges[rank];
            if (!_vocab.TryGetValue(left, out int leftId))
                throw new InvalidModelFileException(source, $"{field}.merges[{rank}] ({Quote(left)} {Quote(right)}): token {Quote(left)} is not in {field}.vocab");
            if (!_vocab.TryGetValue(right, out int rightId))
                throw new InvalidModelFileException(source, $"{field}.merges[{rank}] ({Quote(left)} {Quote(right)}): token {Quote(right)} is not in {field}.vocab");
            int skip = Math.Min(_prefix.Length, right.Length);
            int length = left.Length + right.Length - skip;
            if (buffer.Length < length) buffer = new char[length * 2];
            left.CopyTo(buffer);
            right.AsSpan(skip).CopyTo(buffer.AsSpan(left.Length));
            if (!_vocabLookup.TryGetValue(buffer.AsSpan(0, length), out int newId))
                throw new InvalidModelFileException(source, $"{field}.merges[{rank}] ({Quote(left)} {Quote(right)}): merged token {Quote(new string(buffer, 0, length))} is not in {field}.vocab");
            table.Set(BpeMerger.PairKey(leftId, rightId), BpeMerger.MergeValue(rank, newId));
        }
        return table;
    }

    /// <summary>
    /// Whether a SentencePiece-style word (no pre-tokenizer: the whole text is one word) may be cut before
    /// every U+2581 that follows another character without changing the result. True when U+2581 is itself a
    /// token (so it never becomes unk or bytes), no merge joins a left token that does not end in U+2581 to a
    /// right token that starts with it (so no merge ever crosses a cut), and nothing depends on the word's ends
    /// (no ignore_merges, prefix or suffix). Checked on the merges, so it holds for any vocabulary that passes.
    /// </summary>
    private bool CanSplitAtMetaspace(IReadOnlyList<(string Left, string Right)> merges)
    {
        if (_ignoreMerges || _prefix.Length > 0 || _suffix.Length > 0) return false;
        if (!_vocab.ContainsKey(MetaspaceChar.ToString())) return false;
        foreach (var (left, right) in merges)
            if (right.Length > 0 && right[0] == MetaspaceChar && (left.Length == 0 || left[^1] != MetaspaceChar))
                return false;
        return true;
    }

    private static string Quote(string s) => "'" + s + "'";
}
