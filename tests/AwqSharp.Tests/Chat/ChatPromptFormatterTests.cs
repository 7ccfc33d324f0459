using AwqSharp.Chat;
using AwqSharp.Tests.Serving;
using AwqSharp.Tokenization.Templates;

namespace AwqSharp.Tests.Chat;

[Collection("Serving")]
public sealed class ChatPromptFormatterTests(ServingFixture fixture)
{
    private static readonly ChatMessage[] Conversation =
        [new("system", "Be brief."), new("user", "Hello"), new("assistant", "Hi."), new("user", "A story?")];

    [Fact]
    public void TheTemplateWritesTheSpecialTokensAndTheTokenizerAddsNone()
    {
        var formatter = fixture.ChatFormatter;
        Assert.NotNull(formatter.Template);
        const string expected = "<s><|system|>\nBe brief.\n<|user|>\nHello\n<|assistant|>\nHi.\n<|user|>\nA story?\n<|assistant|>\n";
        Assert.Equal(expected, formatter.Render(Conversation));
        var ids = formatter.Encode(Conversation);
        Assert.Equal(fixture.ChatEngine.Tokenizer.Encode(expected, addSpecialTokens: false), ids);
        Assert.Equal(fixture.ChatEngine.Tokenizer.BosTokenId, ids[0]);
        Assert.Single(ids, id => id == fixture.ChatEngine.Tokenizer.BosTokenId);
    }

    [Fact]
    public void WithoutATemplateTheContentsAreJoinedAndBosIsAdded()
    {
        var formatter = fixture.PlainFormatter;
        Assert.Null(formatter.Template);
        const string expected = "Be brief.\n\nHello\n\nHi.\n\nA story?";
        Assert.Equal(expected, formatter.Render(Conversation));
        Assert.Equal(fixture.Plain.Tokenizer.Encode(expected, addSpecialTokens: true), formatter.Encode(Conversation));
        Assert.Equal([fixture.Plain.Tokenizer.BosTokenId!.Value], formatter.Encode([new ChatMessage("user", "")]));
    }

    [Fact]
    public void ConversationsTheTemplateRefusesRaiseTemplateErrors()
    {
        var strict = new ChatPromptFormatter(fixture.Plain.Tokenizer, ChatTemplate.Parse(
            "{% for m in messages %}{% if m['role'] == 'system' %}{{ raise_exception('no system turns') }}{% endif %}{{ m['content'] }}{% endfor %}"));
        var error = Assert.Throws<TemplateException>(() => strict.Encode(Conversation));
        Assert.Contains("no system turns", error.Message);
        Assert.Throws<ArgumentException>(() => strict.Encode([]));
    }
}
