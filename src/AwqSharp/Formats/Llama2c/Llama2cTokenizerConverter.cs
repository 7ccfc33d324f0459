using System.Text.Encodings.Web;
using System.Text.Json;

namespace AwqSharp.Formats.Llama2c;

/// <summary>
/// Turns a llama2.c vocabulary into HuggingFace tokenizer files for a Llama-style SentencePiece BPE with byte fallback
/// (the same pipeline as Llama-2's tokenizer.json: normalizer Prepend("▁") + Replace(" ", "▁"), no pre-tokenizer,
/// BPE with byte_fallback and fuse_unk, decoder Replace + ByteFallback + Fuse + Strip, BOS added by the post-processor).
/// </summary>
public static class Llama2cTokenizerConverter
{
    /// <summary>SentencePiece's word-boundary mark, which llama2.c stores as a plain space.</summary>
    public const char SpaceMark = '\u2581';

    private static readonly string[] Specials = ["<unk>", "<s>", "</s>"];

    /// <summary>Id of the first byte-fallback piece &lt;0x00&gt;; byte b is id 3 + b.</summary>
    public const int FirstByteId = 3;

    private static readonly JsonWriterOptions JsonOptions = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// The vocabulary as HuggingFace spells it, in id order: "&lt;unk&gt;", "&lt;s&gt;", "&lt;/s&gt;", the 256 byte pieces
    /// "&lt;0xNN&gt;", then the pieces with spaces written as "▁".
    /// </summary>
    /// <param name="vocabulary">The llama2.c vocabulary.</param>
    /// <param name="path">The tokenizer file, for error messages.</param>
    /// <exception cref="UnsupportedModelException">The vocabulary does not have the Llama SentencePiece layout (0 unk, 1 BOS, 2 EOS, 3..258 bytes).</exception>
    /// <exception cref="InvalidModelFileException">Two tokens map to the same piece.</exception>
    public static string[] ToHuggingFacePieces(Llama2cVocabulary vocabulary, string path)
    {
        int n = vocabulary.Count;
        if (n < FirstByteId + 256)
            throw new UnsupportedModelException($"{path}: {n} tokens; a Llama-style vocabulary has at least 259 (unk, BOS, EOS and 256 byte pieces)");
        var pieces = new string[n];
        for (int id = 0; id < n; id++)
        {
            string raw = vocabulary.Pieces[id];
            if (id < FirstByteId)
            {
                if (raw.Trim('\n') != Specials[id])
                    throw new UnsupportedModelException($"{path}: token {id} is {JsonSerializer.Serialize(raw)}, expected {Specials[id]} (Llama layout: 0 <unk>, 1 <s>, 2 </s>)");
                pieces[id] = Specials[id];
            }
            else if (id < FirstByteId + 256)
            {
                string expected = ByteToken(id - FirstByteId);
                if (raw != expected)
                    throw new UnsupportedModelException($"{path}: token {id} is {JsonSerializer.Serialize(raw)}, expected the byte-fallback piece {expected}");
                pieces[id] = raw;
            }
            else
            {
                pieces[id] = raw.Replace(' ', SpaceMark);
            }
        }
        var seen = new Dictionary<string, int>(n, StringComparer.Ordinal);
        for (int id = 0; id < n; id++)
            if (!seen.TryAdd(pieces[id], id))
                throw new InvalidModelFileException(path, $"tokens {seen[pieces[id]]} and {id} are the same piece {JsonSerializer.Serialize(pieces[id])}");
        return pieces;
    }

    /// <summary>"&lt;0xNN&gt;", the byte-fallback piece of <paramref name="b"/>.</summary>
    public static string ByteToken(int b) => $"<0x{b:X2}>";

    /// <summary>Writes tokenizer.json for <paramref name="pieces"/> (from <see cref="ToHuggingFacePieces"/>) and their ranked merges.</summary>
    public static void WriteTokenizerJson(Stream stream, IReadOnlyList<string> pieces, IReadOnlyList<(string Left, string Right)> merges)
    {
        using var w = new Utf8JsonWriter(stream, JsonOptions);
        w.WriteStartObject();
        w.WriteString("version", "1.0");
        w.WriteNull("truncation");
        w.WriteNull("padding");
        w.WriteStartArray("added_tokens");
        for (int id = 0; id < Specials.Length; id++)
        {
            w.WriteStartObject();
            w.WriteNumber("id", id);
            w.WriteString("content", Specials[id]);
            w.WriteBoolean("single_word", false);
            w.WriteBoolean("lstrip", false);
            w.WriteBoolean("rstrip", false);
            w.WriteBoolean("normalized", false);
            w.WriteBoolean("special", true);
            w.WriteEndObject();
        }
        w.WriteEndArray();

        w.WriteStartObject("normalizer");
        w.WriteString("type", "Sequence");
        w.WriteStartArray("normalizers");
        w.WriteStartObject(); w.WriteString("type", "Prepend"); w.WriteString("prepend", SpaceMark.ToString()); w.WriteEndObject();
        WriteReplace(w, " ", SpaceMark.ToString());
        w.WriteEndArray();
        w.WriteEndObject();

        w.WriteNull("pre_tokenizer");
        WritePostProcessor(w);

        w.WriteStartObject("decoder");
        w.WriteString("type", "Sequence");
        w.WriteStartArray("decoders");
        WriteReplace(w, SpaceMark.ToString(), " ");
        w.WriteStartObject(); w.WriteString("type", "ByteFallback"); w.WriteEndObject();
        w.WriteStartObject(); w.WriteString("type", "Fuse"); w.WriteEndObject();
        w.WriteStartObject(); w.WriteString("type", "Strip"); w.WriteString("content", " "); w.WriteNumber("start", 1); w.WriteNumber("stop", 0); w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();

        w.WriteStartObject("model");
        w.WriteString("type", "BPE");
        w.WriteNull("dropout");
        w.WriteString("unk_token", Specials[0]);
        w.WriteNull("continuing_subword_prefix");
        w.WriteNull("end_of_word_suffix");
        w.WriteBoolean("fuse_unk", true);
        w.WriteBoolean("byte_fallback", true);
        w.WriteStartObject("vocab");
        for (int id = 0; id < pieces.Count; id++) w.WriteNumber(pieces[id], id);
        w.WriteEndObject();
        w.WriteStartArray("merges");
        foreach (var (left, right) in merges)
        {
            if (left.Contains(' ') || right.Contains(' '))
                throw new ArgumentException($"merge pieces must not contain spaces: '{left}' '{right}'", nameof(merges));
            w.WriteStringValue(left + " " + right);
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>Writes tokenizer_config.json: a LlamaTokenizer that adds BOS and not EOS.</summary>
    public static void WriteTokenizerConfig(Stream stream, int modelMaxLength)
    {
        using var w = new Utf8JsonWriter(stream, JsonOptions);
        w.WriteStartObject();
        w.WriteBoolean("add_bos_token", true);
        w.WriteBoolean("add_eos_token", false);
        WriteAddedToken(w, "bos_token", Specials[1]);
        w.WriteBoolean("clean_up_tokenization_spaces", false);
        WriteAddedToken(w, "eos_token", Specials[2]);
        w.WriteBoolean("legacy", false);
        w.WriteNumber("model_max_length", modelMaxLength);
        w.WriteNull("pad_token");
        w.WriteString("padding_side", "right");
        w.WriteStartObject("sp_model_kwargs"); w.WriteEndObject();
        w.WriteString("tokenizer_class", "LlamaTokenizer");
        WriteAddedToken(w, "unk_token", Specials[0]);
        w.WriteEndObject();
    }

    private static void WriteReplace(Utf8JsonWriter w, string pattern, string content)
    {
        w.WriteStartObject();
        w.WriteString("type", "Replace");
        w.WriteStartObject("pattern"); w.WriteString("String", pattern); w.WriteEndObject();
        w.WriteString("content", content);
        w.WriteEndObject();
    }

    private static void WritePostProcessor(Utf8JsonWriter w)
    {
        w.WriteStartObject("post_processor");
        w.WriteString("type", "TemplateProcessing");
        w.WriteStartArray("single");
        WriteTemplatePiece(w, "SpecialToken", Specials[1], 0);
        WriteTemplatePiece(w, "Sequence", "A", 0);
        w.WriteEndArray();
        w.WriteStartArray("pair");
        WriteTemplatePiece(w, "SpecialToken", Specials[1], 0);
        WriteTemplatePiece(w, "Sequence", "A", 0);
        WriteTemplatePiece(w, "SpecialToken", Specials[1], 1);
        WriteTemplatePiece(w, "Sequence", "B", 1);
        w.WriteEndArray();
        w.WriteStartObject("special_tokens");
        w.WriteStartObject(Specials[1]);
        w.WriteString("id", Specials[1]);
        w.WriteStartArray("ids"); w.WriteNumberValue(1); w.WriteEndArray();
        w.WriteStartArray("tokens"); w.WriteStringValue(Specials[1]); w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteTemplatePiece(Utf8JsonWriter w, string kind, string id, int typeId)
    {
        w.WriteStartObject();
        w.WriteStartObject(kind);
        w.WriteString("id", id);
        w.WriteNumber("type_id", typeId);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteAddedToken(Utf8JsonWriter w, string name, string content)
    {
        w.WriteStartObject(name);
        w.WriteString("__type", "AddedToken");
        w.WriteString("content", content);
        w.WriteBoolean("lstrip", false);
        w.WriteBoolean("normalized", false);
        w.WriteBoolean("rstrip", false);
        w.WriteBoolean("single_word", false);
        w.WriteEndObject();
    }
}
