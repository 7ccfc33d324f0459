using AwqSharp.Models;

namespace AwqSharp.Runtime;

/// <summary>
/// A KV cache together with the tokens it holds, so a new prompt that starts with the same tokens
/// (the next turn of a chat) only prefills what is new.
/// </summary>
public sealed class ConversationCache(LlamaModel model, int? capacity = null)
{
    private readonly List<int> _tokens = [];

    public KvCache Cache { get; } = model.CreateCache(capacity);
    public IReadOnlyList<int> Tokens => _tokens;

    /// <summary>Makes the cache hold exactly <paramref name="prompt"/>, reusing the common prefix; returns the last position's logits.</summary>
    public float[] Prefill(int[] prompt, CancellationToken cancellationToken = default)
    {
        int common = 0;
        while (common < _tokens.Count && common < prompt.Length - 1 && _tokens[common] == prompt[common]) common++;
        Cache.Truncate(common);
        _tokens.RemoveRange(common, _tokens.Count - common);
        var rest = prompt[common..];
        var logits = model.ForwardLast(rest, Cache, cancellationToken);
        _tokens.AddRange(rest);
        return logits;
    }

    /// <summary>Appends one token and returns the logits that follow it.</summary>
    public float[] Append(int token, CancellationToken cancellationToken = default)
    {
        var logits = model.ForwardLast([token], Cache, cancellationToken);
        _tokens.Add(token);
        return logits;
    }

    public void Reset()
    {
        Cache.Truncate(0);
        _tokens.Clear();
    }
}
