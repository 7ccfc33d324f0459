namespace AwqSharp.Tokenization.Model;

/// <summary>
/// GPT-2's reversible byte-to-character map ("bytes_to_unicode"): printable Latin-1 bytes map to
/// themselves, the other 68 bytes to U+0100.. in order (space -> 'Ġ', '\n' -> 'Ċ').
/// </summary>
internal static class ByteLevelAlphabet
{
    /// <summary>Character for each byte.</summary>
    public static readonly char[] ByteToChar = Build();

    /// <summary>Byte for each character of the alphabet, -1 elsewhere (indexed by char, covers U+0000..U+01FF).</summary>
    public static readonly short[] CharToByte = Invert(ByteToChar);

    private static char[] Build()
    {
        var map = new char[256];
        int next = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is (>= '!' and <= '~') or (>= 0xA1 and <= 0xAC) or (>= 0xAE and <= 0xFF);
            map[b] = printable ? (char)b : (char)(256 + next++);
        }
        return map;
    }

    private static short[] Invert(char[] map)
    {
        var inverse = new short[0x200];
        Array.Fill(inverse, (short)-1);
        for (int b = 0; b < 256; b++) inverse[map[b]] = (short)b;
        return inverse;
    }

    /// <summary>Byte of an alphabet character, or -1 when the character is not in the alphabet.</summary>
    public static int ByteOf(char c) => c < CharToByte.Length ? CharToByte[c] : -1;

    /// <summary>Writes the alphabet characters of <paramref name="bytes"/> into <paramref name="destination"/>.</summary>
    public static void Map(ReadOnlySpan<byte> bytes, Span<char> destination)
    {
        for (int i = 0; i < bytes.Length; i++) destination[i] = ByteToChar[bytes[i]];
    }
}

/// <summary>String helpers over <see cref="ByteLevelAlphabet"/>.</summary>
internal static class ByteLevelAlphabetText
{
    /// <summary>The alphabet string of the UTF-8 bytes of <paramref name="text"/>.</summary>
    public static string Map(ReadOnlySpan<char> text)
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(text.ToArray());
        return string.Create(bytes.Length, bytes, static (dest, b) => ByteLevelAlphabet.Map(b, dest));
    }
}
