using System.Buffers;
using System.Text.Unicode;

namespace Ocular.Explain.Semantics;

/// <summary><see cref="WordEmbeddingFormat.Auto"/>: tells the three formats apart from a file's first bytes (rule in <see cref="WordEmbeddingFormat"/>).</summary>
internal static class WordVectorFormatDetection
{
    private const int HeadBytes = 64 * 1024;
    private const int SampleBytes = 4096;

    /// <exception cref="WordEmbeddingFormatException">The file is empty.</exception>
    public static WordEmbeddingFormat Detect(string path)
    {
        var head = new byte[HeadBytes];
        int n;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
            n = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (n == 0) throw new WordEmbeddingFormatException(path, null, "the file is empty; expected word vectors (GloVe text, word2vec/fastText text or word2vec binary)");
        var bytes = head.AsSpan(0, n);
        if (bytes.StartsWith("\uFEFF"u8)) bytes = bytes[3..];
        var newline = bytes.IndexOf((byte)'\n');
        var first = newline < 0 ? bytes : bytes[..newline];
        if (!WordVectorHeader.TryParse(first, out _, out _)) return WordEmbeddingFormat.GloVeText;
        if (newline < 0) return WordEmbeddingFormat.Word2VecText;
        var sample = bytes[(newline + 1)..];
        return LooksBinary(sample[..Math.Min(SampleBytes, sample.Length)]) ? WordEmbeddingFormat.Word2VecBinary : WordEmbeddingFormat.Word2VecText;
    }

    // Raw float32 bytes almost surely hold a NUL or another control byte, or a byte sequence that is not UTF-8; words and
    // decimal numbers never do.
    private static bool LooksBinary(ReadOnlySpan<byte> sample)
    {
        foreach (var b in sample)
            if (b < 0x20 && b is not (byte)'\t' and not (byte)'\n' and not (byte)'\r') return true;
        var chars = new char[sample.Length];
        var status = Utf8.ToUtf16(sample, chars, out _, out _, replaceInvalidSequences: false, isFinalBlock: false);
        return status == OperationStatus.InvalidData;
    }
}
