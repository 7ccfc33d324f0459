using System.Text.Json.Nodes;

namespace AwqSharp.Models;

/// <summary>
/// Random Llama-family models built in memory from a seed: tiny ones for tests, real shapes
/// (<see cref="Shapes"/>) for speed measurements without a real checkpoint.
/// </summary>
public static class SyntheticModel
{
    /// <summary>Named shapes, e.g. <c>llama-1b</c> (TinyLlama-1.1B's: hidden 2048, intermediate 5632, 22 layers, 32 heads, 4 kv heads, vocab 32000).</summary>
    public static readonly IReadOnlyDictionary<string, Func<ModelConfig>> Shapes = new Dictionary<string, Func<ModelConfig>>(StringComparer.OrdinalIgnoreCase)
    {
        ["llama-1b"] = () => Config(hidden: 2048, intermediate: 5632, layers: 22, heads: 32, kvHeads: 4, vocab: 32000, maxPositions: 2048),
        ["llama-7b"] = () => Config(hidden: 4096, intermediate: 11008, layers: 32, heads: 32, kvHeads: 32, vocab: 32000, maxPositions: 4096),
        ["llama3-8b"] = () => Config(hidden: 4096, intermediate: 14336, layers: 32, heads: 32, kvHeads: 8, vocab: 128256, maxPositions: 8192, ropeTheta: 500000),
        ["tiny"] = () => Config(hidden: 64, intermediate: 172, layers: 2, heads: 8, kvHeads: 4, vocab: 512, maxPositions: 256),
    };

    public static ModelConfig Shape(string name) =>
        Shapes.TryGetValue(name, out var f) ? f() : throw new ArgumentException($"unknown synthetic shape '{name}'; known: {string.Join(", ", Shapes.Keys)}");

    /// <summary>A LlamaForCausalLM config (optionally Qwen2 with biases), with its raw JSON filled in.</summary>
    public static ModelConfig Config(int hidden, int intermediate, int layers, int heads, int kvHeads, int vocab, int maxPositions = 512,
        double ropeTheta = 10000, bool tie = false, string architecture = "LlamaForCausalLM", float rmsNormEps = 1e-5f, int? headDim = null, JsonObject? ropeScaling = null)
    {
        var raw = new JsonObject
        {
            ["architectures"] = new JsonArray(architecture),
            ["model_type"] = architecture switch { "Qwen2ForCausalLM" => "qwen2", "MistralForCausalLM" => "mistral", _ => "llama" },
            ["hidden_size"] = hidden,
            ["intermediate_size"] = intermediate,
            ["num_hidden_layers"] = layers,
            ["num_attention_heads"] = heads,
            ["num_key_value_heads"] = kvHeads,
            ["vocab_size"] = vocab,
            ["max_position_embeddings"] = maxPositions,
            ["rms_norm_eps"] = rmsNormEps,
            ["rope_theta"] = ropeTheta,
            ["hidden_act"] = "silu",
            ["tie_word_embeddings"] = tie,
            ["bos_token_id"] = 1,
            ["eos_token_id"] = 2,
            ["torch_dtype"] = "float32",
        };
        if (headDim is int hd) raw["head_dim"] = hd;
        if (ropeScaling is not null) raw["rope_scaling"] = ropeScaling;
        return ModelConfig.Parse(raw.ToJsonString());
    }

    /// <summary>
    /// Random weights: linears ~ U(-a, a) with a = 1/sqrt(in) (activations keep their scale through
    /// the blocks), norms around 1, embeddings ~ U(-1, 1). Deterministic for a seed.
    /// </summary>
    public static LlamaModel Create(ModelConfig c, int seed = 0, Func<int, float[]>? normWeights = null)
    {
        var rng = new Random(seed);
        float[] Uniform(long n, double a) { var w = new float[n]; for (long i = 0; i < n; i++) w[i] = (float)((rng.NextDouble() * 2 - 1) * a); return w; }
        float[] Norm() => normWeights?.Invoke(c.HiddenSize) ?? Enumerable.Range(0, c.HiddenSize).Select(_ => (float)(0.8 + 0.4 * rng.NextDouble())).ToArray();
        DenseLinear L(int outF, int inF, bool bias) => new(Uniform((long)outF * inF, 1 / Math.Sqrt(inF)), outF, inF, bias ? Uniform(outF, 0.1) : null);
        var embeddings = Uniform((long)c.VocabSize * c.HiddenSize, 1);
        var layers = new LayerWeights[c.NumLayers];
        for (int l = 0; l < layers.Length; l++)
        {
            layers[l] = new LayerWeights
            {
                InputNorm = Norm(),
                Q = L(c.QDim, c.HiddenSize, c.QkvBias),
                K = L(c.KvDim, c.HiddenSize, c.QkvBias),
                V = L(c.KvDim, c.HiddenSize, c.QkvBias),
                O = L(c.HiddenSize, c.QDim, c.OutputBias),
                PostAttentionNorm = Norm(),
                Gate = L(c.IntermediateSize, c.HiddenSize, c.MlpBias),
                Up = L(c.IntermediateSize, c.HiddenSize, c.MlpBias),
                Down = L(c.HiddenSize, c.IntermediateSize, c.MlpBias),
            };
        }
        var finalNorm = Norm();
        ILinear lmHead = c.TieWordEmbeddings ? new DenseLinear(embeddings, c.VocabSize, c.HiddenSize) : L(c.VocabSize, c.HiddenSize, false);
        return new LlamaModel(c, new LlamaWeights { Embeddings = embeddings, Layers = layers, FinalNorm = finalNorm, LmHead = lmHead });
    }
}
