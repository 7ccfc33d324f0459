using System.Text.Json;
using AwqSharp.Formats.Safetensors;

namespace AwqSharp.Formats.Llama2c;

/// <summary>Writes the config.json and generation_config.json of a HuggingFace <c>LlamaForCausalLM</c> for a llama2.c model.</summary>
public static class HuggingFaceLlamaConfig
{
    /// <summary>llama2.c's RMSNorm epsilon (run.c adds 1e-5f).</summary>
    public const string RmsNormEps = "1e-05";

    /// <summary>llama2.c's RoPE base (run.c's powf(10000.0f, ...)).</summary>
    public const string RopeTheta = "10000.0";

    /// <summary>HuggingFace's <c>torch_dtype</c> name of a floating-point safetensors dtype.</summary>
    public static string TorchDType(SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F32 => "float32",
        SafetensorsDType.F16 => "float16",
        SafetensorsDType.BF16 => "bfloat16",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "weights are written as F32, F16 or BF16"),
    };

    /// <summary>Writes config.json.</summary>
    public static void WriteConfig(Stream stream, Llama2cConfig config, SafetensorsDType dtype)
    {
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteStartArray("architectures"); w.WriteStringValue("LlamaForCausalLM"); w.WriteEndArray();
        w.WriteBoolean("attention_bias", false);
        w.WriteNumber("attention_dropout", 0);
        w.WriteNumber("bos_token_id", 1);
        w.WriteNumber("eos_token_id", 2);
        w.WriteNumber("head_dim", config.HeadSize);
        w.WriteString("hidden_act", "silu");
        w.WriteNumber("hidden_size", config.Dim);
        w.WritePropertyName("initializer_range"); w.WriteRawValue("0.02");
        w.WriteNumber("intermediate_size", config.HiddenDim);
        w.WriteNumber("max_position_embeddings", config.SeqLen);
        w.WriteBoolean("mlp_bias", false);
        w.WriteString("model_type", "llama");
        w.WriteNumber("num_attention_heads", config.NumHeads);
        w.WriteNumber("num_hidden_layers", config.NumLayers);
        w.WriteNumber("num_key_value_heads", config.NumKvHeads);
        w.WriteNumber("pretraining_tp", 1);
        w.WritePropertyName("rms_norm_eps"); w.WriteRawValue(RmsNormEps);
        w.WriteNull("rope_scaling");
        w.WritePropertyName("rope_theta"); w.WriteRawValue(RopeTheta);
        w.WriteBoolean("tie_word_embeddings", config.SharedClassifier);
        w.WriteString("torch_dtype", TorchDType(dtype));
        w.WriteBoolean("use_cache", true);
        w.WriteNumber("vocab_size", config.VocabSize);
        w.WriteEndObject();
    }

    /// <summary>Writes generation_config.json (BOS 1, EOS 2, at most seq_len tokens).</summary>
    public static void WriteGenerationConfig(Stream stream, Llama2cConfig config)
    {
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteNumber("bos_token_id", 1);
        w.WriteNumber("eos_token_id", 2);
        w.WriteNumber("max_length", config.SeqLen);
        w.WriteEndObject();
    }
}
