using AwqSharp.Tokenization.AddedTokens;
using AwqSharp.Tokenization.Decoders;
using AwqSharp.Tokenization.Model;
using AwqSharp.Tokenization.Normalizers;
using AwqSharp.Tokenization.PostProcessors;
using AwqSharp.Tokenization.PreTokenizers;

namespace AwqSharp.Tokenization.Loading;

/// <summary>
/// Builds a byte-level BPE tokenizer from vocab.json + merges.txt the way transformers' slow-to-fast
/// converters do: Qwen2Tokenizer gets NFC and Qwen2's split regex, any other class GPT-2's ByteLevel
/// pre-tokenizer. Added tokens come from tokenizer_config.json.
/// </summary>
internal static class VocabMergesReader
{
    public static TokenizerDefinition Read(string vocabPath, string mergesPath, TokenizerConfig config)
    {
        using var doc = JsonFields.ParseFile(vocabPath);
        var vocab = TokenizerJsonReader.ReadVocab(new JsonFields(vocabPath), doc.RootElement, "(root)");
        var merges = ReadMerges(mergesPath);
        var model = new BpeModel(new BpeModelSpec { Vocab = vocab, Merges = merges, ContinuingSubwordPrefix = "", EndOfWordSuffix = "" },
            mergesPath, Path.GetFileName(mergesPath));

        bool qwen = config.TokenizerClass is "Qwen2Tokenizer" or "Qwen2TokenizerFast";
        TextNormalizer? normalizer = qwen ? new UnicodeNormalizer(compose: true) : null;
        PreTokenizer preTokenizer = qwen
            ? new SequencePreTokenizer([
                new SplitPreTokenizer(SplitPatterns.ForRegex(SplitPatterns.Qwen2), SplitBehavior.Isolated, invert: false),
                new ByteLevelPreTokenizer(addPrefixSpace: false, useRegex: false)])
            : new ByteLevelPreTokenizer(config.AddPrefixSpace ?? false, useRegex: true);

        var added = new List<AddedToken>(config.AddedTokens);
        var post = PostProcessor.None;
        if (!qwen && config.AddBosToken == true && config.BosToken is { } bos && model.TokenToId(bos) is { } bosId)
            post = new PostProcessor([bosId], []);

        return new TokenizerDefinition
        {
            Source = vocabPath,
            Model = model,
            AddedTokens = added,
            Normalizer = normalizer,
            PreTokenizer = preTokenizer,
            PostProcessor = post,
            Decoder = new ByteLevelDecoder(),
        };
    }

    /// <summary>merges.txt: one "left right" per line; a leading "#version" line and blank lines are skipped.</summary>
    private static List<(string, string)> ReadMerges(string path)
    {
        var merges = new List<(string, string)>();
        int lineNumber = 0;
        foreach (string raw in File.ReadLines(path))
        {
            lineNumber++;
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith("#version", StringComparison.Ordinal)) continue;
            int space = line.IndexOf(' ');
            if (space < 0 || line.IndexOf(' ', space + 1) >= 0)
                throw new InvalidModelFileException(path, $"line {lineNumber}: expected \"left right\" with exactly one space, found \"{line}\"");
            merges.Add((line[..space], line[(space + 1)..]));
        }
        return merges;
    }
}
