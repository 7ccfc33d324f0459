using System.Text.Json.Nodes;
using AwqSharp.Formats.AutoAwq;
using AwqSharp.Quantization;
using AwqSharp.Tests.Infrastructure;

namespace AwqSharp.Tests.Quantization;

public class AwqQuantizationConfigTests
{
    [Fact]
    public void Parses_AutoAWQs_transformers_dict()
    {
        var c = AwqQuantizationConfig.Parse("""{"bits": 4, "group_size": 128, "modules_to_not_convert": null, "quant_method": "awq", "version": "gemm", "zero_point": true}""");
        Assert.Equal((AwqQuantizationConfig.AutoAwqMethod, 4, 128, true, "gemm"), (c.QuantMethod, c.Bits, c.GroupSize, c.ZeroPoint, c.Version));
        Assert.Null(c.ModulesToNotConvert);
        Assert.True(c.IsAutoAwq);
    }

    [Fact]
    public void Parses_the_legacy_quant_config_spelling()
    {
        // TheBloke's quant_config.json: no quant_method, w_bit / q_group_size, upper-case version.
        var c = AwqQuantizationConfig.Parse("""{"zero_point": true, "q_group_size": 64, "w_bit": 4, "version": "GEMM"}""");
        Assert.Equal((AwqQuantizationConfig.AutoAwqMethod, 4, 64, "gemm"), (c.QuantMethod, c.Bits, c.GroupSize, c.Version));
    }

    [Fact]
    public void Modules_to_not_convert_match_by_substring()
    {
        var c = AwqQuantizationConfig.Parse("""{"quant_method": "awq", "bits": 4, "group_size": 128, "modules_to_not_convert": ["visual", "mlp.gate"]}""");
        Assert.Equal(["visual", "mlp.gate"], c.ModulesToNotConvert!);
        Assert.False(c.IsQuantized("model.layers.0.mlp.gate"));
        Assert.False(c.IsQuantized("visual.blocks.0.attn.qkv"));
        Assert.True(c.IsQuantized("model.layers.0.self_attn.q_proj"));
    }

    [Theory]
    [InlineData("""{"quant_method": "gptq", "bits": 4, "group_size": 128}""", "quant_method \"gptq\"")]
    [InlineData("""{"quant_method": "awq", "bits": 4, "group_size": 128, "version": "gemv"}""", "version \"gemv\"")]
    [InlineData("""{"quant_method": "awq", "bits": 3, "group_size": 128}""", "bits = 3")]
    [InlineData("""{"quant_method": "awqsharp", "bits": 3, "group_size": 128, "version": "9"}""", "version \"9\"")]
    public void Unsupported_methods_and_layouts_are_refused(string json, string fragment) =>
        Assert.Contains(fragment, Assert.Throws<UnsupportedModelException>(() => AwqQuantizationConfig.Parse(json, "cfg.json")).Message);

    [Theory]
    [InlineData("""{"quant_method": "awq", "group_size": 128}""", "bits (or w_bit) is missing")]
    [InlineData("""{"quant_method": "awq", "bits": "4", "group_size": 128}""", "bits must be an integer")]
    [InlineData("""{"quant_method": "awq", "bits": 4, "group_size": 0}""", "group_size must be")]
    [InlineData("""{"quant_method": "awq", "bits": 4, "q_group_size": 12.5}""", "q_group_size must be an integer")]
    [InlineData("""{"quant_method": "awq", "bits": 4, "group_size": 128, "zero_point": "yes"}""", "zero_point must be true or false")]
    [InlineData("""{"quant_method": "awq", "bits": 4, "group_size": 128, "modules_to_not_convert": "lm_head"}""", "modules_to_not_convert must be")]
    [InlineData("""{"quant_method": "awqsharp", "bits": 12, "group_size": 128}""", "bits must be 2..8")]
    [InlineData("""[1, 2]""", "expected a JSON object")]
    [InlineData("""{"bits": 4,""", "invalid JSON")]
    public void Malformed_fields_name_the_file_and_field(string json, string fragment)
    {
        var e = Assert.Throws<InvalidModelFileException>(() => AwqQuantizationConfig.Parse(json, "cfg.json"));
        Assert.Contains("cfg.json", e.Message);
        Assert.Contains(fragment, e.Message);
    }

    [Fact]
    public void Awqsharp_config_round_trips_through_json()
    {
        var c = AwqQuantizationConfig.ForAwqSharp(new QuantizationOptions(3, 32, false), ["lm_head"]);
        var json = c.ToJson().ToJsonString();
        Assert.Equal("""{"bits":3,"group_size":32,"modules_to_not_convert":["lm_head"],"quant_method":"awqsharp","version":"1","zero_point":false}""", json);
        var back = AwqQuantizationConfig.Parse(json);
        Assert.Equal((c.QuantMethod, c.Bits, c.GroupSize, c.ZeroPoint, c.Version), (back.QuantMethod, back.Bits, back.GroupSize, back.ZeroPoint, back.Version));
        Assert.Equal(c.ModulesToNotConvert!, back.ModulesToNotConvert!);
        Assert.Equal(new QuantizationOptions(3, 32, false), back.ToQuantizationOptions());
    }

    [Fact]
    public void AutoAwq_config_is_written_as_AutoAWQ_writes_it()
    {
        var json = AwqQuantizationConfig.ForAutoAwq(QuantizationOptions.Default).ToJson().ToJsonString();
        Assert.Equal("""{"bits":4,"group_size":128,"modules_to_not_convert":null,"quant_method":"awq","version":"gemm","zero_point":true}""", json);
        Assert.Throws<AwqException>(() => AwqQuantizationConfig.ForAutoAwq(new QuantizationOptions(Bits: 3)));
    }

    [Fact]
    public void From_model_directory_prefers_config_json_then_legacy_files()
    {
        using var dir = new TempDir();
        Assert.Null(AwqQuantizationConfig.FromModelDirectory(dir.Path));
        File.WriteAllText(dir.File("quant_config.json"), """{"zero_point": true, "q_group_size": 64, "w_bit": 4, "version": "GEMM"}""");
        Assert.Equal(64, AwqQuantizationConfig.FromModelDirectory(dir.Path)!.GroupSize);
        File.WriteAllText(dir.File("config.json"), new JsonObject { ["model_type"] = "llama", ["quantization_config"] = AwqQuantizationConfig.ForAutoAwq(QuantizationOptions.Default).ToJson() }.ToJsonString());
        Assert.Equal(128, AwqQuantizationConfig.FromModelDirectory(dir.Path)!.GroupSize);
        File.WriteAllText(dir.File("config.json"), """{"quantization_config": 4}""");
        Assert.Contains("quantization_config must be an object", Assert.Throws<InvalidModelFileException>(() => AwqQuantizationConfig.FromModelDirectory(dir.Path)).Message);
    }

    [SharedFact("models/tiny-llama-autoawq/awq-gemm-g128/config.json")]
    public void Reads_the_fixtures_config()
    {
        var c = AwqQuantizationConfig.FromModelDirectory(SharedData.Require("models/tiny-llama-autoawq/awq-gemm-g128"))!;
        Assert.Equal((AwqQuantizationConfig.AutoAwqMethod, 4, 128, true, "gemm"), (c.QuantMethod, c.Bits, c.GroupSize, c.ZeroPoint, c.Version));
        Assert.Null(c.ModulesToNotConvert);
    }
}
