using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Ocular.Explain.Semantics;

/// <summary>
/// Reads the word2vec binary format (word2vec's <c>-binary 1</c>, gensim's <c>save_word2vec_format(binary=True)</c>): a text
/// line <c>V D</c>, then V entries, each the word's UTF-8 bytes, a space, D little-endian float32 and usually a newline
/// (newlines before a word are skipped, as word2vec's reader does). Invalid UTF-8 in a word becomes U+FFFD (word2vec
/// cuts long words at a byte limit, which can split a character) rather than failing a whole published file.
/// </summary>
internal static class WordVectorBinary
{
    private const int MaxWordBytes = 1 << 16;
    private const int MaxHeaderBytes = 1024;

    /// <exception cref="WordEmbeddingFormatException">The file breaks the format (the message names the entry and its byte offset).</exception>
    public static WordVectorRows Read(string path, IProgress<double>? progress)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        var length = file.Length;
        if (length == 0) throw new WordEmbeddingFormatException(path, null, "the file is empty; expected a header line 'V D' and V binary vectors");
        var header = ReadHeaderLine(file, path);
        var (count, dimension) = WordVectorHeader.Parse(path, header, 0);
        var rows = new WordVectorRows(path, dimension);
        long offset = header.Length + 1;
        var word = new byte[256];
        for (long i = 0; i < count; i++)
        {
            var entry = i + 2;
            int b;
            while ((b = file.ReadByte()) == '\n') offset++;
            var start = offset;
            if (b < 0)
                throw new WordEmbeddingFormatException(path, entry, $"the file ends after {i} words but the header (line 1) announces {count} (truncated?)", start);
            var n = 0;
            for (; b != ' '; b = file.ReadByte())
            {
                if (b < 0) throw new WordEmbeddingFormatException(path, entry, $"the file ends inside word {i + 1} (truncated?)", start);
                if (n == MaxWordBytes) throw new WordEmbeddingFormatException(path, entry, $"no space after word {i + 1} within {MaxWordBytes} bytes; expected the word, a space, then {dimension} float32", start);
                if (n == word.Length) Array.Resize(ref word, word.Length * 2);
                word[n++] = (byte)b;
            }
            if (n == 0) throw new WordEmbeddingFormatException(path, entry, $"word {i + 1} is empty (a space where the word should start)", start);
            var text = Encoding.UTF8.GetString(word, 0, n);
            offset += n + 1;
            var row = rows.Next(text, entry, start);
            var bytes = MemoryMarshal.AsBytes(row);
            var got = file.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
            if (got < bytes.Length)
                throw new WordEmbeddingFormatException(path, entry, $"the file ends inside the vector of '{WordVectorRows.Shorten(text)}': {got} of its {bytes.Length} bytes are there (truncated?)", start);
            if (!BitConverter.IsLittleEndian) BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<float, int>(row), MemoryMarshal.Cast<float, int>(row));
            for (var j = 0; j < row.Length; j++)
                if (!float.IsFinite(row[j]))
                    throw new WordEmbeddingFormatException(path, entry, $"value {j + 1} of '{WordVectorRows.Shorten(text)}' is {row[j]}, not a finite number", start);
            offset += bytes.Length;
            if (progress is not null && (i & 4095) == 0) progress.Report((double)offset / length);
        }
        int rest;
        while ((rest = file.ReadByte()) is '\n' or '\r' or ' ' or '\t') offset++;
        if (rest >= 0)
            throw new WordEmbeddingFormatException(path, count + 2, $"the header (line 1) announces {count} words but more data follows them", offset);
        progress?.Report(1);
        return rows;
    }

    private static byte[] ReadHeaderLine(FileStream file, string path)
    {
        var line = new List<byte>();
        for (var b = file.ReadByte(); b != '\n'; b = file.ReadByte())
        {
            if (b < 0 || line.Count == MaxHeaderBytes)
                throw new WordEmbeddingFormatException(path, 1, $"expected the header line 'V D' (the number of words and the dimension) ending in a newline within the first {MaxHeaderBytes} bytes", 0);
            line.Add((byte)b);
        }
        return [.. line];
    }
}
