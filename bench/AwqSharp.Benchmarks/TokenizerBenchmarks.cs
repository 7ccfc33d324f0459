using System.Text;
using AwqSharp.Tokenization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace AwqSharp.Benchmarks;

/// <summary>
/// Encoding speed of <see cref="TextTokenizer"/> on WikiText-2's test split (one thread), in MB/s of UTF-8 input.
/// Compare with HuggingFace tokenizers: scripts/tokenizer-bench/bench.mjs (same file, same modes).
///
///   dotnet run -c Release --project bench/AwqSharp.Benchmarks -- --filter '*TokenizerBenchmarks*'
/// </summary>
[Config(typeof(TokenizerBenchmarkConfig))]
[MemoryDiagnoser]
public class TokenizerBenchmarks
{
    private TextTokenizer _tokenizer = null!;
    private string _text = "";
    private string[] _lines = [];

    /// <summary>Tokenizer directory under ../shared/data/tokenizers.</summary>
    [Params("llama-3-8b-instruct", "llama-2-7b-chat-hf")]
    public string Tokenizer { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        string shared = TokenizerBenchmarkData.SharedDirectory();
        _tokenizer = TextTokenizer.Load(Path.Combine(shared, "data", "tokenizers", Tokenizer));
        _text = File.ReadAllText(TokenizerBenchmarkData.WikiTextPath(), Encoding.UTF8);
        _lines = _text.Split('\n');
    }

    /// <summary>The whole file as one string (what perplexity evaluation encodes).</summary>
    [Benchmark]
    public int EncodeWholeFile() => _tokenizer.Encode(_text).Length;

    /// <summary>Every line on its own (many short calls).</summary>
    [Benchmark]
    public int EncodeLines()
    {
        int count = 0;
        foreach (string line in _lines) count += _tokenizer.Encode(line).Length;
        return count;
    }
}

/// <summary>Locates the benchmark data in ../shared (or AWQ_SHARED_DIR).</summary>
public static class TokenizerBenchmarkData
{
    public static string SharedDirectory()
    {
        string? env = Environment.GetEnvironmentVariable("AWQ_SHARED_DIR");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env)) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared");
            if (Directory.Exists(Path.Combine(candidate, "data", "tokenizers"))) return candidate;
        }
        throw new DirectoryNotFoundException("../shared/data/tokenizers not found; set AWQ_SHARED_DIR");
    }

    public static string WikiTextPath() => Path.Combine(SharedDirectory(), "data", "wikitext-2", "wiki.test.raw");

    public static long WikiTextBytes() => new FileInfo(WikiTextPath()).Length;
}

/// <summary>Adds an MB/s column (UTF-8 bytes of wiki.test.raw per second).</summary>
public sealed class TokenizerBenchmarkConfig : ManualConfig
{
    public TokenizerBenchmarkConfig() => AddColumn(new ThroughputColumn());

    private sealed class ThroughputColumn : IColumn
    {
        public string Id => "MBps";
        public string ColumnName => "MB/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "Input megabytes (UTF-8) encoded per second, one thread";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var stats = summary[benchmarkCase]?.ResultStatistics;
            if (stats is null || stats.Mean <= 0) return "-";
            return (TokenizerBenchmarkData.WikiTextBytes() / 1e6 / (stats.Mean * 1e-9)).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
