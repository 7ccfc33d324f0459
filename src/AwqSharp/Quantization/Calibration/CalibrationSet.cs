namespace AwqSharp.Quantization.Calibration;

/// <summary>
/// Calibration samples the way AWQ's reference builds them (llm-awq / AutoAWQ <c>get_calib_dataset</c>):
/// every non-empty line of the text is a document, tokenized on its own (with the tokenizer's
/// special tokens, e.g. BOS, as HuggingFace's default); documents longer than one sample are skipped;
/// the rest are concatenated into one stream and cut into samples of <c>seqLen</c> tokens (the tail
/// dropped). The first <c>samples</c> of them are kept.
/// </summary>
public static class CalibrationSet
{
    public static int[][] FromText(string text, Func<string, int[]> encode, int samples, int seqLen, string source = "calibration text")
    {
        if (samples <= 0) throw new ArgumentOutOfRangeException(nameof(samples), $"--calib-samples must be positive, got {samples}");
        if (seqLen < 2) throw new ArgumentOutOfRangeException(nameof(seqLen), $"--calib-seqlen must be at least 2, got {seqLen}");
        var stream = new List<int>();
        long needed = (long)samples * seqLen;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0) continue;
            var ids = encode(line);
            if (ids.Length == 0 || ids.Length > seqLen) continue;
            stream.AddRange(ids);
            if (stream.Count >= needed) break;
        }
        int blocks = stream.Count / seqLen;
        if (blocks == 0)
            throw new AwqException($"{source} gives {stream.Count} tokens, fewer than one calibration sample of {seqLen}; use more text or a smaller --calib-seqlen");
        blocks = Math.Min(blocks, samples);
        var result = new int[blocks][];
        for (int b = 0; b < blocks; b++) result[b] = stream.GetRange(b * seqLen, seqLen).ToArray();
        return result;
    }
}
