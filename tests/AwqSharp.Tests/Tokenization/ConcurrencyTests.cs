using AwqSharp.Tests.Infrastructure;

namespace AwqSharp.Tests.Tokenization;

/// <summary>One tokenizer shared by many threads (per-thread word caches) gives the same ids as one thread.</summary>
public class ConcurrencyTests
{
    private const string WikiText = "data/wikitext-2/wiki.test.raw";

    [SharedFact(WikiText, "data/tokenizers/gpt2/tokenizer.json", "data/tokenizers/mistral-7b-v0.1/tokenizer.json")]
    public void ParallelEncodingEqualsSequential()
    {
        string[] lines = File.ReadAllLines(SharedData.Require(WikiText)).Take(1500).ToArray();
        foreach (string name in new[] { "gpt2", "mistral-7b-v0.1" })
        {
            var t = SharedTokenizers.Get(name);
            int[][] sequential = lines.Select(l => t.Encode(l)).ToArray();
            var parallel = new int[lines.Length][];
            Parallel.For(0, lines.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => parallel[i] = t.Encode(lines[i]));
            for (int i = 0; i < lines.Length; i++) Assert.Equal(sequential[i], parallel[i]);
        }
    }
}
