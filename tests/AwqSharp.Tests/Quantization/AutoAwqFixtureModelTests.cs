using AwqSharp.Formats.AutoAwq;
using AwqSharp.Formats.Safetensors;
using AwqSharp.Models;
using AwqSharp.Tests.Infrastructure;

namespace AwqSharp.Tests.Quantization;

/// <summary>
/// The whole AutoAWQ fixture model through <see cref="DequantizingLinearReader"/> and the float32 forward, against the
/// fixture's float64 logits of the exactly dequantized weights (<c>logits_quant_exact_n</c>). A float32 forward lands within
/// ~1e-5 of them; a reader that rounds W to float16 (or gets the nibble order wrong) lands ~3e-3 (or ~10) away.
/// </summary>
public class AutoAwqFixtureModelTests
{
    private const string Dir = "models/tiny-llama-autoawq/awq-gemm-g128";

    private static LlamaModel LoadWithoutGlobalReaders(string dir, IQuantizedLinearReader reader)
    {
        var config = ModelConfig.Load(dir);
        using var source = SafetensorsCheckpoint.Open(dir);
        ILinear L(int layer, string rel, int outF, int inF) =>
            reader.TryRead(source, config, WeightNames.Linear(layer, rel), outF, inF, bias: null) ?? throw new InvalidOperationException(rel);
        var layers = Enumerable.Range(0, config.NumLayers).Select(l => new LayerWeights
        {
            InputNorm = ModelLoader.LoadVector(source, WeightNames.InputNorm(l), config.HiddenSize),
            Q = L(l, "self_attn.q_proj", config.QDim, config.HiddenSize),
            K = L(l, "self_attn.k_proj", config.KvDim, config.HiddenSize),
            V = L(l, "self_attn.v_proj", config.KvDim, config.HiddenSize),
            O = L(l, "self_attn.o_proj", config.HiddenSize, config.QDim),
            PostAttentionNorm = ModelLoader.LoadVector(source, WeightNames.PostAttentionNorm(l), config.HiddenSize),
            Gate = L(l, "mlp.gate_proj", config.IntermediateSize, config.HiddenSize),
            Up = L(l, "mlp.up_proj", config.IntermediateSize, config.HiddenSize),
            Down = L(l, "mlp.down_proj", config.HiddenSize, config.IntermediateSize),
        }).ToArray();
        var embeddings = ModelLoader.LoadEmbeddings(source, config);
        return new LlamaModel(config, new LlamaWeights
        {
            Embeddings = embeddings, Layers = layers, FinalNorm = ModelLoader.LoadFinalNorm(source, config),
            LmHead = ModelLoader.LoadLmHead(source, config, embeddings),
        });
    }

    [SharedFact(Dir + "/model.safetensors", Dir + "/reference.safetensors", Dir + "/config.json")]
    public void Logits_match_the_float64_reference_of_AutoAWQs_dequantization()
    {
        var dir = SharedData.Require(Dir);
        var model = LoadWithoutGlobalReaders(dir, new DequantizingLinearReader());
        using var reference = SafetensorsFile.Open(Path.Combine(dir, "reference.safetensors"));
        foreach (int n in new[] { 1, 7, 64, 200 })
        {
            var ids = reference.ReadInt32($"input_ids_{n}");
            var expected = reference.ReadFloat32($"logits_quant_exact_{n}");
            var logits = model.ForwardAll(ids);
            Assert.Equal(expected.Length, logits.Length);
            double maxDiff = expected.Zip(logits).Max(p => Math.Abs(p.First - p.Second));
            Console.WriteLine($"n={n}: max |logit diff| = {maxDiff:E2}");
            Assert.True(maxDiff < 1e-4, $"n={n}: max |logit diff| = {maxDiff}");
        }
    }
}
