using AwqSharp.Formats.Safetensors;

namespace AwqSharp.Formats.Llama2c;

/// <summary>What <see cref="Llama2cImporter.Import"/> wrote.</summary>
/// <param name="OutputDirectory">The model directory (absolute).</param>
/// <param name="Config">The checkpoint's header.</param>
/// <param name="DType">The dtype the weights were written in.</param>
/// <param name="TensorCount">Tensors in model.safetensors.</param>
/// <param name="MergeCount">BPE merges in tokenizer.json.</param>
public sealed record Llama2cImportResult(string OutputDirectory, Llama2cConfig Config, SafetensorsDType DType, int TensorCount, int MergeCount);

/// <summary>
/// Converts a llama2.c checkpoint and tokenizer into a HuggingFace Llama model directory: config.json,
/// generation_config.json, model.safetensors (HF tensor names, q/k rows permuted to HF's RoPE layout, RoPE tables
/// dropped), tokenizer.json and tokenizer_config.json. Both inputs are fully validated before anything is written, the
/// weights are streamed one tensor at a time, and the directory appears only when complete.
/// </summary>
public static class Llama2cImporter
{
    /// <summary>Imports <paramref name="checkpointPath"/> and <paramref name="tokenizerPath"/> into <paramref name="outputDirectory"/>.</summary>
    /// <param name="checkpointPath">A llama2.c float32 checkpoint (legacy or version 1).</param>
    /// <param name="tokenizerPath">A llama2.c tokenizer file with as many tokens as the checkpoint's vocab_size.</param>
    /// <param name="outputDirectory">Must not exist, or be an empty directory.</param>
    /// <param name="dtype">F32, F16 or BF16 (round to nearest even).</param>
    /// <param name="progress">Told the name of each file and tensor as it is written.</param>
    /// <param name="cancellationToken">Cancels between tensors; nothing is left behind.</param>
    /// <exception cref="InvalidModelFileException">An input is malformed, truncated, or the two disagree.</exception>
    /// <exception cref="UnsupportedModelException">A quantized checkpoint or a non-Llama vocabulary layout.</exception>
    /// <exception cref="AwqException">The output directory exists and is not empty.</exception>
    public static Llama2cImportResult Import(string checkpointPath, string tokenizerPath, string outputDirectory,
        SafetensorsDType dtype = SafetensorsDType.F32, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        _ = HuggingFaceLlamaConfig.TorchDType(dtype); // rejects dtypes other than F32, F16, BF16
        string target = CheckTarget(outputDirectory);
        var layout = Llama2cHeader.Read(checkpointPath);
        var config = layout.Config;
        var vocabulary = Llama2cVocabulary.Read(tokenizerPath);
        if (vocabulary.Count != config.VocabSize)
            throw new InvalidModelFileException(tokenizerPath, $"holds {vocabulary.Count} tokens but the checkpoint {checkpointPath} has vocab_size {config.VocabSize}");
        var pieces = Llama2cTokenizerConverter.ToHuggingFacePieces(vocabulary, tokenizerPath);
        var merges = SentencePieceMerges.Derive(pieces, vocabulary.Scores);
        cancellationToken.ThrowIfCancellationRequested();

        int tensorCount = 0;
        AtomicDirectory.Write(target, dir =>
        {
            WriteFile(dir, "config.json", progress, s => HuggingFaceLlamaConfig.WriteConfig(s, config, dtype));
            WriteFile(dir, "generation_config.json", progress, s => HuggingFaceLlamaConfig.WriteGenerationConfig(s, config));
            WriteFile(dir, "tokenizer.json", progress, s => Llama2cTokenizerConverter.WriteTokenizerJson(s, pieces, merges));
            WriteFile(dir, "tokenizer_config.json", progress, s => Llama2cTokenizerConverter.WriteTokenizerConfig(s, config.SeqLen));
            using var reader = new Llama2cTensorReader(checkpointPath, layout);
            var tensors = Llama2cHuggingFaceTensors.Plan(reader, dtype, progress);
            tensorCount = tensors.Count;
            progress?.Report("model.safetensors");
            SafetensorsWriter.Write(Path.Combine(dir, "model.safetensors"), tensors, new Dictionary<string, string> { ["format"] = "pt" }, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
        });
        return new Llama2cImportResult(target, config, dtype, tensorCount, merges.Count);
    }

    /// <summary>
    /// The output may be new or an empty directory; anything else is refused rather than replaced, so a mistyped --out
    /// never destroys data. Checked before any input is read.
    /// </summary>
    private static string CheckTarget(string outputDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(outputDirectory));
        if (File.Exists(full)) throw new AwqException($"{full}: output path is an existing file");
        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any())
            throw new AwqException($"{full}: output directory already exists and is not empty; remove it or choose another");
        if (Path.GetDirectoryName(full) is null) throw new AwqException($"{full}: cannot write a model directory at a filesystem root");
        return full;
    }

    private static void WriteFile(string directory, string name, IProgress<string>? progress, Action<Stream> write)
    {
        progress?.Report(name);
        using var stream = new FileStream(Path.Combine(directory, name), FileMode.CreateNew, FileAccess.Write, FileShare.None);
        write(stream);
    }
}
