using AwqSharp.Models;
using AwqSharp.Tests.Infrastructure;

namespace AwqSharp.Tests.Models;

public class ModelConfigTests
{
    private static ModelConfig Shared(string file) => ModelConfig.Load(SharedData.Require("data/configs/" + file));

    [SharedFact("data/configs/llama-3.1-8b.config.json")]
    public void ReadsLlama31WithLlama3RopeScaling()
    {
        var c = Shared("llama-3.1-8b.config.json");
        Assert.Equal("LlamaForCausalLM", c.Architecture);
        Assert.Equal((4096, 14336, 32, 32, 8, 128, 128256), (c.HiddenSize, c.IntermediateSize, c.NumLayers, c.NumHeads, c.NumKvHeads, c.HeadDim, c.VocabSize));
        Assert.Equal(500000.0, c.RopeTheta);
        Assert.Equal(new RopeScaling("llama3", 8.0, 1.0, 4.0, 8192), c.RopeScaling);
        Assert.False(c.TieWordEmbeddings);
        Assert.Equal([128001], c.EosTokenIds);
        Assert.Equal(128000, c.BosTokenId);
        Assert.Equal(1e-5f, c.RmsNormEps);
        // 8.03 B parameters, as published
        Assert.InRange(c.ParameterCount, 8_030_000_000, 8_031_000_000);
    }

    [SharedFact("data/configs/llama-3.2-1b.config.json")]
    public void ReadsTiedLlama32WithExplicitHeadDim()
    {
        var c = Shared("llama-3.2-1b.config.json");
        Assert.True(c.TieWordEmbeddings);
        Assert.Equal(64, c.HeadDim);
        Assert.InRange(c.ParameterCount, 1_235_000_000, 1_236_000_000);
    }

    [SharedFact("data/configs/qwen2.5-0.5b.config.json")]
    public void ReadsQwen2WithQkvBias()
    {
        var c = Shared("qwen2.5-0.5b.config.json");
        Assert.Equal("Qwen2ForCausalLM", c.Architecture);
        Assert.True(c.QkvBias);
        Assert.False(c.OutputBias);
        Assert.Equal((896, 14, 2, 64), (c.HiddenSize, c.NumHeads, c.NumKvHeads, c.HeadDim));
        Assert.Equal(1e-6f, c.RmsNormEps);
        Assert.True(c.TieWordEmbeddings);
        Assert.Null(c.SlidingWindow); // use_sliding_window false
        Assert.InRange(c.ParameterCount, 494_000_000, 495_000_000);
    }

    [SharedFact("data/configs/mistral-7b-v0.1.config.json")]
    public void ReadsMistralWithSlidingWindow()
    {
        var c = Shared("mistral-7b-v0.1.config.json");
        Assert.Equal("MistralForCausalLM", c.Architecture);
        Assert.Equal(4096, c.SlidingWindow);
        Assert.Equal(8, c.NumKvHeads);
        Assert.InRange(c.ParameterCount, 7_241_000_000, 7_242_000_000);
    }

    [SharedTheory("data/configs")]
    [InlineData("llama-2-7b-chat-hf.config.json")]
    [InlineData("tinyllama-1.1b-chat-v1.0.resaved.config.json")]
    [InlineData("qwen2.5-0.5b-instruct.resaved.config.json")]
    public void ReadsEveryOtherSharedConfig(string file)
    {
        var c = Shared(file);
        Assert.True(c.HiddenSize > 0 && c.NumLayers > 0 && c.HeadDim * c.NumHeads > 0);
    }

    [SharedFact("data/configs/gpt2-gptq.config.json")]
    public void RejectsGpt2ListingSupportedArchitectures()
    {
        var ex = Assert.Throws<UnsupportedModelException>(() => Shared("gpt2-gptq.config.json"));
        Assert.Contains("GPT2LMHeadModel", ex.Message);
        Assert.Contains("LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM", ex.Message);
    }

    [Fact]
    public void MissingKeyWrongTypeAndBadJsonAreNamed()
    {
        const string ok = """{"architectures":["LlamaForCausalLM"],"hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":100}""";
        Assert.Equal(4, ModelConfig.Parse(ok).NumKvHeads);
        Assert.Contains("'hidden_size'", Assert.Throws<InvalidModelFileException>(() => ModelConfig.Parse(ok.Replace("\"hidden_size\":64,", ""))).Message);
        Assert.Contains("'num_hidden_layers'", Assert.Throws<InvalidModelFileException>(() => ModelConfig.Parse(ok.Replace("\"num_hidden_layers\":2", "\"num_hidden_layers\":\"two\""))).Message);
        Assert.Contains("num_key_value_heads", Assert.Throws<InvalidModelFileException>(() => ModelConfig.Parse(ok.Replace("}", ",\"num_key_value_heads\":3}"))).Message);
        Assert.Contains("not valid JSON", Assert.Throws<InvalidModelFileException>(() => ModelConfig.Parse(ok[..40])).Message);
        Assert.Contains("'yarn'", Assert.Throws<UnsupportedModelException>(() => ModelConfig.Parse(ok.Replace("}", ",\"rope_scaling\":{\"rope_type\":\"yarn\",\"factor\":4}}"))).Message);
        Assert.Contains("gelu", Assert.Throws<UnsupportedModelException>(() => ModelConfig.Parse(ok.Replace("}", ",\"hidden_act\":\"gelu\"}"))).Message);
    }

    [Fact]
    public void Llama3RopeScalingMatchesTransformersFormula()
    {
        // Hand-evaluated from transformers' _compute_llama3_parameters for head_dim 128, theta 500000,
        // factor 8, low 1, high 4, original context 8192.
        var scaling = new RopeScaling("llama3", 8, 1, 4, 8192);
        var inv = RotaryEmbedding.ComputeInverseFrequencies(128, 500000, scaling);
        var plain = RotaryEmbedding.ComputeInverseFrequencies(128, 500000, null);
        Assert.Equal(plain[0], inv[0]);                       // wavelen 2π < 2048: unchanged
        Assert.Equal(plain[63] / 8, inv[63], 15);             // wavelen > 8192: divided by factor
        int medium = Enumerable.Range(0, 64).First(i => 2 * Math.PI / plain[i] >= 2048);
        double wl = 2 * Math.PI / plain[medium];
        double smooth = (8192 / wl - 1) / (4 - 1);
        Assert.Equal((1 - smooth) * plain[medium] / 8 + smooth * plain[medium], inv[medium], 15);
    }
}
