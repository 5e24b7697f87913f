using System.Buffers.Text;

namespace Ocular.Explain.Semantics;

/// <summary>The word2vec header line <c>V D</c> (number of words, dimension), shared by the text and binary readers and by format detection.</summary>
internal static class WordVectorHeader
{
    /// <summary>Whether <paramref name="line"/> is exactly two non-negative integers (surrounding blanks and a CR allowed), the dimension positive.</summary>
    public static bool TryParse(ReadOnlySpan<byte> line, out long count, out int dimension)
    {
        count = 0;
        dimension = 0;
        var tokens = Tokens(line);
        return tokens.Count == 2
               && Utf8Parser.TryParse(line[tokens[0]], out count, out var used0) && used0 == line[tokens[0]].Length && count >= 0
               && Utf8Parser.TryParse(line[tokens[1]], out dimension, out var used1) && used1 == line[tokens[1]].Length && dimension > 0;
    }

    /// <summary>Parses line 1 of <paramref name="path"/> as the header.</summary>
    /// <exception cref="WordEmbeddingFormatException">It is not <c>V D</c>.</exception>
    public static (long Count, int Dimension) Parse(string path, ReadOnlySpan<byte> line, long? byteOffset = null)
    {
        if (!TryParse(line, out var count, out var dimension))
            throw new WordEmbeddingFormatException(path, 1, $"expected the header 'V D' (the number of words and the dimension, two integers), found '{WordVectorRows.Shorten(Text(line))}'", byteOffset);
        if (count == 0) throw new WordEmbeddingFormatException(path, 1, "the header announces 0 words; the file has no word vectors", byteOffset);
        return (count, dimension);
    }

    /// <summary>The ranges of the blank-separated tokens of a line (blank: space, tab, CR).</summary>
    public static List<Range> Tokens(ReadOnlySpan<byte> line)
    {
        var list = new List<Range>();
        var pos = 0;
        while (true)
        {
            while (pos < line.Length && IsBlank(line[pos])) pos++;
            if (pos == line.Length) return list;
            var start = pos;
            while (pos < line.Length && !IsBlank(line[pos])) pos++;
            list.Add(start..pos);
        }
    }

    /// <summary>Space, tab and CR separate the fields of a line.</summary>
    public static bool IsBlank(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r';

    /// <summary>Bytes as text for a message (invalid UTF-8 shown as U+FFFD).</summary>
    public static string Text(ReadOnlySpan<byte> bytes) => System.Text.Encoding.UTF8.GetString(bytes);
}
