using AwqSharp.Tokenization.AddedTokens;
using AwqSharp.Tokenization.Decoders;
using AwqSharp.Tokenization.Model;
using AwqSharp.Tokenization.Normalizers;
using AwqSharp.Tokenization.PostProcessors;
using AwqSharp.Tokenization.PreTokenizers;
using Google.Protobuf;

namespace AwqSharp.Tokenization.Loading;

/// <summary>
/// Reads a SentencePiece tokenizer.model (BPE type) and converts it the way transformers' LlamaConverter
/// does when a Llama-family checkpoint has no tokenizer.json: vocabulary from the pieces, merges extracted
/// from the vocabulary ordered by piece score, byte fallback, unk fusing, and either the legacy
/// Prepend/Replace normalizer or (legacy: false in tokenizer_config.json) Metaspace with prepend_scheme "first".
/// </summary>
internal static class SentencePieceModelReader
{
    private sealed record SentencePiece(string Text, float Score, int Type);

    private const int Normal = 1, Unknown = 2, Control = 3, UserDefined = 4;
    private const int BpeModelType = 2;

    public static TokenizerDefinition Read(string path, TokenizerConfig config)
    {
        var pieces = new List<SentencePiece>();
        int modelType = 1; // UNIGRAM is the proto default
        string unkPiece = "<unk>", bosPiece = "<s>", eosPiece = "</s>";
        bool addDummyPrefix = true;
        try
        {
            var input = new CodedInputStream(File.ReadAllBytes(path));
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                switch (WireFormat.GetTagFieldNumber(tag))
                {
                    case 1: pieces.Add(ReadPiece(input.ReadBytes())); break;
                    case 2: ReadTrainerSpec(input.ReadBytes(), ref modelType, ref unkPiece, ref bosPiece, ref eosPiece); break;
                    case 3: addDummyPrefix = ReadAddDummyPrefix(input.ReadBytes()); break;
                    default: input.SkipLastField(); break;
                }
            }
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new InvalidModelFileException(path, $"not a valid SentencePiece model (truncated or malformed protobuf): {ex.Message}", ex);
        }
        if (pieces.Count == 0) throw new InvalidModelFileException(path, "pieces: the model has no pieces");
        if (modelType != BpeModelType)
            throw new UnsupportedModelException($"{path}: trainer_spec.model_type {ModelTypeName(modelType)} is not supported: AwqSharp reads BPE SentencePiece models only");

        var vocab = new Dictionary<string, int>(pieces.Count, StringComparer.Ordinal);
        for (int i = 0; i < pieces.Count; i++) vocab.TryAdd(pieces[i].Text, i);
        // LlamaConverter gives ids 0-2 (unk, bos, eos) the score 0.
        var scores = pieces.Select((p, i) => i < 3 ? 0f : p.Score).ToArray();
        var model = new BpeModel(new BpeModelSpec
        {
            Vocab = vocab,
            Merges = ExtractMerges(pieces, vocab, scores),
            UnkToken = vocab.ContainsKey(unkPiece) ? unkPiece : null,
            FuseUnk = true,
            ByteFallback = true,
        }, path, "pieces");

        var added = new List<AddedToken>();
        for (int i = 0; i < pieces.Count; i++)
            if (pieces[i].Type is Unknown or Control or UserDefined && vocab[pieces[i].Text] == i)
                added.Add(new AddedToken(i, pieces[i].Text, Special: pieces[i].Type != UserDefined));

        bool legacy = config.Legacy ?? true;
        bool prefixSpace = config.AddPrefixSpace ?? addDummyPrefix;
        const string meta = "\u2581";
        TextNormalizer? normalizer = legacy
            ? new SequenceNormalizer(prefixSpace ? [new PrependNormalizer(meta), new ReplaceNormalizer(" ", meta)] : [new ReplaceNormalizer(" ", meta)])
            : null;
        PreTokenizer? preTokenizer = legacy ? null : new MetaspacePreTokenizer(BpeModel.MetaspaceChar, prefixSpace ? PrependScheme.First : PrependScheme.Never, split: false);
        var decoders = new List<TokenDecoder> { new ReplaceDecoder(meta, " "), new ByteFallbackDecoder(), new FuseDecoder() };
        if (prefixSpace) decoders.Add(new StripDecoder(' ', 1, 0));

        // The post-processor comes from add_bos_token / add_eos_token (see TextTokenizer); record bos/eos pieces.
        int? bos = vocab.TryGetValue(config.BosToken ?? bosPiece, out int b) ? b : null;
        int? eos = vocab.TryGetValue(config.EosToken ?? eosPiece, out int e) ? e : null;
        var post = new PostProcessor(config.AddBosToken != false && bos is { } bi ? [bi] : [], config.AddEosToken == true && eos is { } ei ? [ei] : []);

        return new TokenizerDefinition
        {
            Source = path,
            Model = model,
            AddedTokens = added,
            Normalizer = normalizer,
            PreTokenizer = preTokenizer,
            PostProcessor = post,
            Decoder = new SequenceDecoder(decoders),
        };
    }

    /// <summary>
    /// transformers' SentencePieceExtractor: for every piece, each split into two pieces of the vocabulary
    /// (ordered by their ids) is a merge with the piece's score; all merges stably sorted by score, highest first.
    /// </summary>
    private static List<(string, string)> ExtractMerges(List<SentencePiece> pieces, Dictionary<string, int> vocab, float[] scores)
    {
        var merges = new List<(string Left, string Right, float Score)>();
        var local = new List<(string Left, string Right, int LeftId, int RightId)>();
        for (int i = 0; i < pieces.Count; i++)
        {
            string piece = pieces[i].Text;
            if (vocab[piece] != i) continue; // a duplicate piece: Python's dict keeps one entry
            local.Clear();
            for (int cut = 1; cut < piece.Length; cut++)
            {
                if (char.IsLowSurrogate(piece[cut])) continue; // split between code points only
                string left = piece[..cut], right = piece[cut..];
                if (vocab.TryGetValue(left, out int l) && vocab.TryGetValue(right, out int r)) local.Add((left, right, l, r));
            }
            local.Sort((x, y) => x.LeftId != y.LeftId ? x.LeftId.CompareTo(y.LeftId) : x.RightId.CompareTo(y.RightId));
            foreach (var m in local) merges.Add((m.Left, m.Right, scores[i]));
        }
        // Stable sort by score, descending (Python's sorted(..., reverse=True) keeps ties in order).
        var ordered = merges.Select((m, index) => (m, index))
            .OrderByDescending(x => x.m.Score).ThenBy(x => x.index)
            .Select(x => (x.m.Left, x.m.Right))
            .ToList();
        return ordered;
    }

    private static SentencePiece ReadPiece(ByteString bytes)
    {
        var input = new CodedInputStream(bytes.ToByteArray());
        string text = "";
        float score = 0;
        int type = Normal;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: text = input.ReadString(); break;
                case 2: score = input.ReadFloat(); break;
                case 3: type = input.ReadEnum(); break;
                default: input.SkipLastField(); break;
            }
        }
        return new SentencePiece(text, score, type);
    }

    private static void ReadTrainerSpec(ByteString bytes, ref int modelType, ref string unk, ref string bos, ref string eos)
    {
        var input = new CodedInputStream(bytes.ToByteArray());
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 3: modelType = input.ReadEnum(); break;
                case 45: unk = input.ReadString(); break;
                case 46: bos = input.ReadString(); break;
                case 47: eos = input.ReadString(); break;
                default: input.SkipLastField(); break;
            }
        }
    }

    private static bool ReadAddDummyPrefix(ByteString bytes)
    {
        var input = new CodedInputStream(bytes.ToByteArray());
        bool add = true;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == 3) add = input.ReadBool();
            else input.SkipLastField();
        }
        return add;
    }

    private static string ModelTypeName(int type) => type switch
    {
        1 => "UNIGRAM",
        2 => "BPE",
        3 => "WORD",
        4 => "CHAR",
        _ => type.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
