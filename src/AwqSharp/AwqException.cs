namespace AwqSharp;

/// <summary>
/// Base of every error AwqSharp reports about its inputs (files, configs, arguments). The message
/// always names the offending file and field, so a CLI can print it as it is.
/// </summary>
public class AwqException : Exception
{
    public AwqException(string message) : base(message) { }
    public AwqException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A file that is malformed, truncated or inconsistent (safetensors, config.json, tokenizer files, llama2.c checkpoints...).</summary>
public class InvalidModelFileException : AwqException
{
    public InvalidModelFileException(string path, string message) : base($"{path}: {message}") { Path = path; }
    public InvalidModelFileException(string path, string message, Exception inner) : base($"{path}: {message}", inner) { Path = path; }
    public string Path { get; }
}

/// <summary>A model whose architecture or option AwqSharp does not support.</summary>
public class UnsupportedModelException : AwqException
{
    public UnsupportedModelException(string message) : base(message) { }
}
