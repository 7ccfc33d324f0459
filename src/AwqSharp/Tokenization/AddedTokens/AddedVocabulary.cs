using AwqSharp.Tokenization.Model;

namespace AwqSharp.Tokenization.AddedTokens;

/// <summary>
/// Assigns added-token ids as HuggingFace's <c>AddedVocabulary::add_tokens</c> does: a token already added keeps its
/// id (its flags are updated), a token of the model vocabulary gets the vocabulary's id, any other token the next
/// free id (after the model vocabulary, or after the largest added id). Ids written in the files are only hints:
/// HuggingFace ignores them too (with a warning) when they disagree.
/// </summary>
internal sealed class AddedVocabulary(BpeModel model)
{
    private readonly List<AddedToken> _tokens = [];
    private readonly Dictionary<string, int> _byContent = new(StringComparer.Ordinal);

    /// <summary>The added tokens, in the order they were first added.</summary>
    public IReadOnlyList<AddedToken> Tokens => _tokens;

    public bool Contains(string content) => _byContent.ContainsKey(content);

    public bool ContainsId(int id) => _tokens.Any(t => t.Id == id);

    /// <summary>Adds tokens (their Id is ignored) in one call.</summary>
    public void Add(IEnumerable<AddedToken> tokens)
    {
        int vocabSize = model.VocabCount;
        int nextId = vocabSize;
        if (_tokens.Count > 0)
        {
            int max = _tokens.Max(t => t.Id);
            nextId = max >= vocabSize || vocabSize == 0 ? max + 1 : vocabSize;
        }
        foreach (var token in tokens)
        {
            if (token.Content.Length == 0) continue;
            if (_byContent.TryGetValue(token.Content, out int index))
            {
                _tokens[index] = token with { Id = _tokens[index].Id };
                continue;
            }
            int id = model.TokenToId(token.Content) ?? nextId++;
            _byContent[token.Content] = _tokens.Count;
            _tokens.Add(token with { Id = id });
        }
    }
}
