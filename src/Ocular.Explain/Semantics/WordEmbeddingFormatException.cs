namespace Ocular.Explain.Semantics;

/// <summary>
/// A word-vector file that does not follow its format: the message names the file, the line (or, in a binary file, the
/// entry and byte offset) and what was expected there.
/// </summary>
public sealed class WordEmbeddingFormatException : FormatException
{
    /// <summary>Creates the exception; <paramref name="message"/> is prefixed with the file and the line.</summary>
    public WordEmbeddingFormatException(string path, long? line, string message, long? byteOffset = null)
        : base(Describe(path, line, byteOffset) + message)
    {
        FilePath = path;
        Line = line;
        ByteOffset = byteOffset;
    }

    /// <summary>The file.</summary>
    public string FilePath { get; }

    /// <summary>
    /// The 1-based line of a text file; in a binary file the entry, counting the header as entry 1 (so word i is entry
    /// i + 1, as its line would be in the <c>.vec</c> text); null for an error of the whole file.
    /// </summary>
    public long? Line { get; }

    /// <summary>Where in a binary file the entry starts; null for text files.</summary>
    public long? ByteOffset { get; }

    private static string Describe(string path, long? line, long? byteOffset) => (line, byteOffset) switch
    {
        (null, _) => $"{path}: ",
        ({ } l, null) => $"{path}, line {l}: ",
        ({ } l, { } b) => $"{path}, entry {l} (byte offset {b}): ",
    };
}
