// Writes a random Llama model of a real-ish size, with the tokenizer of another model directory (same vocabulary
// size), to load-test `awq serve` where decoding is bound by memory bandwidth, as with real models (stories260K
// fits in cache, so batching gains little on it). The text it generates is noise; the speed is real.
//
//   dotnet run scripts/load-test/synthetic-model.cs -- --tokenizer-from DIR --out DIR [--hidden 1024] [--layers 8]
#:project ../../src/AwqSharp/AwqSharp.csproj
#:property PublishAot=false
using AwqSharp.Models;

var values = new Dictionary<string, string>();
for (int i = 0; i + 1 < args.Length; i += 2) values[args[i].TrimStart('-')] = args[i + 1];
string from = values.GetValueOrDefault("tokenizer-from") ?? throw new ArgumentException("--tokenizer-from DIR is required");
string output = values.GetValueOrDefault("out") ?? throw new ArgumentException("--out DIR is required");
int hidden = int.Parse(values.GetValueOrDefault("hidden") ?? "1024");
int layers = int.Parse(values.GetValueOrDefault("layers") ?? "8");
int vocab = AwqSharp.Tokenization.TextTokenizer.Load(from).VocabSize;

var config = SyntheticModel.Config(hidden, intermediate: hidden * 11 / 4, layers, heads: hidden / 64, kvHeads: Math.Max(1, hidden / 256), vocab, maxPositions: 1024);
var model = SyntheticModel.Create(config, seed: 1);
ModelWriter.Save(model, output);
foreach (var name in new[] { "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json" })
    if (File.Exists(Path.Combine(from, name))) File.Copy(Path.Combine(from, name), Path.Combine(output, name), overwrite: true);
Console.WriteLine($"{output}: {config.ParameterCount / 1e6:F1}M parameters (hidden {hidden}, {layers} layers, vocab {vocab})");
