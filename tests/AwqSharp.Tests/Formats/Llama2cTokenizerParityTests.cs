using AwqSharp.Formats.Llama2c;
using AwqSharp.Tests.Infrastructure;
using AwqSharp.Tokenization;
using static AwqSharp.Tests.Formats.Llama2cTestFiles;

namespace AwqSharp.Tests.Formats;

/// <summary>
/// The imported tokenizer.json, loaded through AwqSharp's own <see cref="TextTokenizer"/>, must encode TinyStories text
/// to exactly the ids of llama2.c's score-greedy encoder (<see cref="Llama2cReferenceEncoder"/>), and decode back to it.
/// </summary>
public class Llama2cTokenizerParityTests
{
    [SharedFact(StoriesCheckpoint, StoriesTokenizer, EvalText)]
    public void EveryEvalLineEncodesLikeLlama2cAndDecodesBack()
    {
        using var dir = new TempDir();
        var tokenizer = LoadImported(dir);
        Assert.Equal(512, tokenizer.VocabSize);
        Assert.Equal(1, tokenizer.BosTokenId);
        Assert.Equal(2, tokenizer.EosTokenId);
        Assert.True(tokenizer.AddBosToken);
        Assert.False(tokenizer.AddEosToken);

        var reference = new Llama2cReferenceEncoder(SharedData.Require(StoriesTokenizer));
        int lines = 0;
        foreach (var line in File.ReadAllText(SharedData.Require(EvalText)).Split('\n'))
        {
            int[] plain = tokenizer.Encode(line, addSpecialTokens: false);
            Assert.True(reference.Encode(line).SequenceEqual(plain), $"line {lines}: {line}");
            int[] withBos = tokenizer.Encode(line);
            Assert.Equal(1, withBos[0]);
            Assert.True(withBos.AsSpan(1).SequenceEqual(plain), $"line {lines} with BOS");
            Assert.Equal(line, tokenizer.Decode(withBos, skipSpecialTokens: true));
            lines++;
        }
        Assert.Equal(6034, lines);
    }

    /// <summary>
    /// The whole 554 kB file as one input. Newlines are byte-fallback tokens that no merge touches, so llama2.c's
    /// result is the first line with its dummy prefix, then per newline &lt;0x0A&gt; and the next line without one.
    /// (HuggingFace's tokenizers library gives the same 275,795 ids on this tokenizer.json.)
    /// </summary>
    [SharedFact(StoriesCheckpoint, StoriesTokenizer, EvalText)]
    public void WholeEvalFileEncodesLikeLlama2c()
    {
        using var dir = new TempDir();
        var tokenizer = LoadImported(dir);
        var reference = new Llama2cReferenceEncoder(SharedData.Require(StoriesTokenizer));
        string text = File.ReadAllText(SharedData.Require(EvalText));
        var segments = text.Split('\n');
        var expected = reference.Encode(segments[0]);
        foreach (var segment in segments.Skip(1))
        {
            expected.Add(Llama2cTokenizerConverter.FirstByteId + '\n');
            expected.AddRange(reference.Encode(segment, dummyPrefix: false));
        }
        int[] actual = tokenizer.Encode(text, addSpecialTokens: false);
        Assert.Equal(275_795, actual.Length);
        Assert.Equal(expected, actual);
        Assert.Equal(text, tokenizer.Decode(actual));
    }

    private static TextTokenizer LoadImported(TempDir dir)
    {
        var outDir = Path.Combine(dir.Path, "stories260K");
        Llama2cImporter.Import(SharedData.Require(StoriesCheckpoint), SharedData.Require(StoriesTokenizer), outDir);
        return TextTokenizer.Load(outDir);
    }
}
