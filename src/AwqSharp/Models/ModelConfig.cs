using System.Text.Json;
using System.Text.Json.Nodes;

namespace AwqSharp.Models;

/// <summary>
/// The hyper-parameters of a Llama-family model, read from HuggingFace's config.json
/// (LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM). Defaults follow transformers' own
/// config classes for keys a file leaves out.
/// </summary>
public sealed class ModelConfig
{
    public const string FileName = "config.json";

    /// <summary>The architectures AwqSharp runs (config.json "architectures").</summary>
    public static readonly IReadOnlyList<string> SupportedArchitectures = ["LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM"];

    public required string Architecture { get; init; }
    public required string ModelType { get; init; }
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int NumLayers { get; init; }
    public required int NumHeads { get; init; }
    /// <summary>Key/value heads (grouped-query attention when fewer than <see cref="NumHeads"/>).</summary>
    public required int NumKvHeads { get; init; }
    public required int HeadDim { get; init; }
    public required int VocabSize { get; init; }
    public required int MaxPositionEmbeddings { get; init; }
    public required float RmsNormEps { get; init; }
    public required double RopeTheta { get; init; }
    public RopeScaling? RopeScaling { get; init; }
    public required bool TieWordEmbeddings { get; init; }
    /// <summary>Bias on q, k, v projections (Qwen2 always; Llama's attention_bias also on o_proj).</summary>
    public required bool QkvBias { get; init; }
    public required bool OutputBias { get; init; }
    public required bool MlpBias { get; init; }
    public int? SlidingWindow { get; init; }
    public int? BosTokenId { get; init; }
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];
    public string? TorchDtype { get; init; }
    /// <summary>The <c>quantization_config</c> object, when the checkpoint is quantized.</summary>
    public JsonObject? QuantizationConfig { get; init; }
    /// <summary>The whole file as read, so writers can preserve keys this class does not model.</summary>
    public JsonObject Raw { get; init; } = new();

    public int KvDim => NumKvHeads * HeadDim;
    public int QDim => NumHeads * HeadDim;

    /// <summary>Parameters of the model (embedding, blocks, norms, and lm_head when not tied).</summary>
    public long ParameterCount
    {
        get
        {
            long h = HiddenSize, i = IntermediateSize, q = QDim, kv = KvDim;
            long attn = h * q + 2 * h * kv + q * h + (QkvBias ? q + 2 * kv : 0) + (OutputBias ? h : 0);
            long mlp = 3 * h * i + (MlpBias ? 2 * i + h : 0);
            long perLayer = attn + mlp + 2 * h;
            return (long)VocabSize * h * (TieWordEmbeddings ? 1 : 2) + NumLayers * perLayer + h;
        }
    }

    public static ModelConfig Load(string modelDirectory)
    {
        var path = File.Exists(modelDirectory) ? modelDirectory : Path.Combine(modelDirectory, FileName);
        if (!File.Exists(path)) throw new InvalidModelFileException(path, "config.json not found (is this a HuggingFace model directory?)");
        return Parse(File.ReadAllText(path), path);
    }

    public static ModelConfig Parse(string json, string path = FileName)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip }) as JsonObject
                ?? throw new InvalidModelFileException(path, "must be a JSON object");
        }
        catch (JsonException ex)
        {
            throw new InvalidModelFileException(path, $"not valid JSON ({ex.Message})", ex);
        }
        var r = new ConfigReader(root, path);

        string arch = r.Architecture();
        string modelType = r.String("model_type") ?? arch switch { "MistralForCausalLM" => "mistral", "Qwen2ForCausalLM" => "qwen2", _ => "llama" };
        string act = r.String("hidden_act") ?? "silu";
        if (act != "silu") throw new UnsupportedModelException($"{path}: hidden_act '{act}' is not supported (only 'silu')");

        int hidden = r.RequiredInt("hidden_size");
        int heads = r.RequiredInt("num_attention_heads");
        int kvHeads = r.Int("num_key_value_heads") ?? heads;
        int headDim = r.Int("head_dim") ?? (hidden % heads == 0 ? hidden / heads
            : throw new InvalidModelFileException(path, $"hidden_size {hidden} is not a multiple of num_attention_heads {heads} and head_dim is not given"));
        if (heads % kvHeads != 0) throw new InvalidModelFileException(path, $"num_attention_heads {heads} is not a multiple of num_key_value_heads {kvHeads}");
        if (headDim % 2 != 0) throw new InvalidModelFileException(path, $"head_dim {headDim} must be even for rotary embeddings");

        bool isQwen2 = arch == "Qwen2ForCausalLM";
        bool attentionBias = r.Bool("attention_bias") ?? false;
        return new ModelConfig
        {
            Architecture = arch,
            ModelType = modelType,
            HiddenSize = hidden,
            IntermediateSize = r.RequiredInt("intermediate_size"),
            NumLayers = r.RequiredInt("num_hidden_layers"),
            NumHeads = heads,
            NumKvHeads = kvHeads,
            HeadDim = headDim,
            VocabSize = r.RequiredInt("vocab_size"),
            MaxPositionEmbeddings = r.Int("max_position_embeddings") ?? 2048,
            RmsNormEps = (float)(r.Double("rms_norm_eps") ?? 1e-6),
            RopeTheta = r.Double("rope_theta") ?? 10000.0,
            RopeScaling = r.RopeScaling(),
            TieWordEmbeddings = r.Bool("tie_word_embeddings") ?? false,
            QkvBias = isQwen2 || attentionBias,
            OutputBias = !isQwen2 && attentionBias,
            MlpBias = r.Bool("mlp_bias") ?? false,
            SlidingWindow = (r.Bool("use_sliding_window") ?? !isQwen2) ? r.Int("sliding_window") : null,
            BosTokenId = r.Int("bos_token_id"),
            EosTokenIds = r.IntOrList("eos_token_id"),
            TorchDtype = r.String("torch_dtype") ?? r.String("dtype"),
            QuantizationConfig = root["quantization_config"] as JsonObject,
            Raw = root,
        };
    }

    /// <summary>Writes this config's JSON (the raw object, so unknown keys survive), atomically.</summary>
    public static void WriteJson(JsonObject config, string path)
    {
        var temp = path + ".tmp-" + Guid.NewGuid().ToString("N");
        File.WriteAllText(temp, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.Move(temp, path, overwrite: true);
    }

    public override string ToString() =>
        $"{Architecture}: hidden {HiddenSize}, intermediate {IntermediateSize}, {NumLayers} layers, {NumHeads} heads ({NumKvHeads} kv, head_dim {HeadDim}), vocab {VocabSize}";
}
