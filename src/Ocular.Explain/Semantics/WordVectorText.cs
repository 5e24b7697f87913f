using System.Text;

namespace Ocular.Explain.Semantics;

/// <summary>
/// Reads word vectors in text: GloVe (no header) and word2vec/fastText <c>.vec</c> (a first line <c>V D</c>); one
/// <c>word v1 … vD</c> line per word, fields separated by blanks (space, tab; a trailing blank or CR is ignored), UTF-8.
/// Blank lines are skipped. The file is read in blocks of whole lines whose lines are parsed in parallel, straight from
/// the UTF-8 bytes (no string per value), so Stanford's 1 GB <c>glove.6B.300d.txt</c> takes seconds, not minutes.
/// </summary>
internal static class WordVectorText
{
    private const int BlockBytes = 8 << 20;
    private const int MinLinesPerTask = 256;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads <paramref name="path"/>; <paramref name="header"/> says whether line 1 is <c>V D</c>.</summary>
    /// <exception cref="WordEmbeddingFormatException">The file breaks its format (the message names the line).</exception>
    public static WordVectorRows Read(string path, bool header, IProgress<double>? progress, int blockBytes = BlockBytes)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var length = stream.Length;
        if (length == 0) throw new WordEmbeddingFormatException(path, null, "the file is empty; expected one 'word v1 … vD' line per word");
        var state = new State(path, header);
        var buffer = new byte[blockBytes];
        int filled = 0;
        long consumed = 0;
        var eof = false;
        while (true)
        {
            while (!eof && filled < buffer.Length)
            {
                var n = stream.Read(buffer, filled, buffer.Length - filled);
                if (n == 0) eof = true;
                else filled += n;
            }
            if (filled == 0) break;
            var end = eof ? filled : buffer.AsSpan(0, filled).LastIndexOf((byte)'\n') + 1;
            if (end == 0)
            {
                // One line longer than the buffer: read more of it.
                Array.Resize(ref buffer, buffer.Length * 2);
                continue;
            }
            state.Block(buffer, end);
            Buffer.BlockCopy(buffer, end, buffer, 0, filled - end);
            filled -= end;
            consumed += end;
            progress?.Report((double)consumed / length);
            if (eof && filled == 0) break;
        }
        return state.Finish();
    }

    /// <summary>The reader's progress through the file: lines seen, the header, the rows so far.</summary>
    private sealed class State(string path, bool header)
    {
        private long _linesBefore;
        private long _announced = -1;
        private long _firstDataLine;
        private bool _line1LooksLikeHeader;
        private WordVectorRows? _rows;

        /// <summary>Parses the complete lines in <c>buffer[0..end)</c> (the last one may lack its newline at the end of the file).</summary>
        public void Block(byte[] buffer, int end)
        {
            var lines = Lines(buffer.AsSpan(0, end));
            if (_linesBefore == 0 && buffer.AsSpan(lines[0]).StartsWith("\uFEFF"u8))
                lines[0] = (lines[0].Start.Value + 3)..lines[0].End; // a UTF-8 byte-order mark is not part of the first word
            var first = 0;
            if (_linesBefore == 0 && header)
            {
                var (count, dimension) = WordVectorHeader.Parse(path, buffer.AsSpan(lines[0]));
                _announced = count;
                _rows = new WordVectorRows(path, dimension);
                first = 1;
            }
            for (; _rows is null && first < lines.Count; first++)
            {
                var line = buffer.AsSpan(lines[first]);
                if (IsBlank(line)) continue;
                var lineNumber = _linesBefore + first + 1;
                var values = WordVectorHeader.Tokens(line).Count - 1;
                if (values < 1)
                    throw new WordEmbeddingFormatException(path, lineNumber, $"'{WordVectorRows.Shorten(WordVectorHeader.Text(line).Trim())}' has no values; expected 'word v1 … vD'");
                _line1LooksLikeHeader = lineNumber == 1 && WordVectorHeader.TryParse(line, out _, out _);
                _firstDataLine = lineNumber;
                _rows = new WordVectorRows(path, values);
                break;
            }
            if (_rows is not null && first < lines.Count) ParseLines(buffer, lines, first);
            _linesBefore += lines.Count;
        }

        public WordVectorRows Finish()
        {
            if (_rows is null || _rows.Count == 0)
                throw new WordEmbeddingFormatException(path, null, header ? "the file has a header but no word lines" : "the file has only blank lines; expected one 'word v1 … vD' line per word");
            if (_announced >= 0 && _rows.Count != _announced)
                throw new WordEmbeddingFormatException(path, 1, $"the header announces {_announced} words but the file has {_rows.Count} (its last line is {_linesBefore})");
            return _rows;
        }

        // Parses lines[first..] in parallel parts; the parts are appended in order, and the first error in file order wins,
        // so the result and the error do not depend on the thread count.
        private void ParseLines(byte[] buffer, List<Range> lines, int first)
        {
            var rows = _rows!;
            var dimension = rows.Dimension;
            var n = lines.Count - first;
            var parts = Math.Max(1, Math.Min(Environment.ProcessorCount, n / MinLinesPerTask));
            var results = new Part[parts];
            Parallel.For(0, parts, p =>
            {
                var from = first + (int)((long)n * p / parts);
                var to = first + (int)((long)n * (p + 1) / parts);
                var part = new Part(new float[(to - from) * dimension]);
                for (var i = from; i < to && part.Error is null; i++)
                {
                    var line = buffer.AsSpan(lines[i]);
                    if (IsBlank(line)) continue;
                    var lineNumber = _linesBefore + i + 1;
                    part.Error = ParseLine(line, lineNumber, part.Data.AsSpan(part.Words.Count * dimension, dimension), out var word);
                    if (part.Error is not null) break;
                    part.Words.Add(word!);
                    part.Lines.Add(lineNumber);
                }
                results[p] = part;
            });
            foreach (var part in results)
            {
                if (_announced >= 0 && rows.Count + part.Words.Count > _announced)
                {
                    var line = part.Lines[(int)(_announced - rows.Count)];
                    throw new WordEmbeddingFormatException(path, line, $"the header (line 1) announces {_announced} words but this line holds word {_announced + 1}");
                }
                rows.AddBlock(part.Words, part.Lines, part.Data);
                if (part.Error is not null) throw part.Error;
            }
        }

        private WordEmbeddingFormatException? ParseLine(ReadOnlySpan<byte> line, long lineNumber, Span<float> destination, out string? word)
        {
            word = null;
            if (WordVectorHeader.IsBlank(line[0]))
                return new WordEmbeddingFormatException(path, lineNumber, "the line starts with a blank; expected the word first, then its values");
            var wordEnd = 0;
            while (wordEnd < line.Length && !WordVectorHeader.IsBlank(line[wordEnd])) wordEnd++;
            try
            {
                word = StrictUtf8.GetString(line[..wordEnd]);
            }
            catch (DecoderFallbackException)
            {
                return new WordEmbeddingFormatException(path, lineNumber, $"the word '{WordVectorRows.Shorten(WordVectorHeader.Text(line[..wordEnd]))}' is not valid UTF-8");
            }
            var count = 0;
            var pos = wordEnd;
            while (true)
            {
                while (pos < line.Length && WordVectorHeader.IsBlank(line[pos])) pos++;
                if (pos == line.Length) break;
                var start = pos;
                while (pos < line.Length && !WordVectorHeader.IsBlank(line[pos])) pos++;
                if (count < destination.Length)
                {
                    var token = line[start..pos];
                    if (!DecimalFloat.TryParse(token, out var value))
                        return new WordEmbeddingFormatException(path, lineNumber, $"value {count + 1} of '{WordVectorRows.Shorten(word)}', '{WordVectorRows.Shorten(WordVectorHeader.Text(token))}', is not a number");
                    if (!float.IsFinite(value))
                        return new WordEmbeddingFormatException(path, lineNumber, $"value {count + 1} of '{WordVectorRows.Shorten(word)}', '{WordVectorRows.Shorten(WordVectorHeader.Text(token))}', is not a finite float32");
                    destination[count] = value;
                }
                count++;
            }
            if (count == destination.Length) return null;
            var expected = header ? $"the header (line 1) gives the dimension {destination.Length}" : $"line {_firstDataLine} has {destination.Length}";
            var hint = _line1LooksLikeHeader ? " (line 1 looks like a word2vec header 'V D': read the file as Word2VecText)" : "";
            return new WordEmbeddingFormatException(path, lineNumber, $"'{WordVectorRows.Shorten(word)}' has {count} values but {expected}; every word needs the same number{hint}");
        }
    }

    private sealed class Part(float[] data)
    {
        public float[] Data { get; } = data;
        public List<string> Words { get; } = [];
        public List<long> Lines { get; } = [];
        public WordEmbeddingFormatException? Error { get; set; }
    }

    // The lines of a block, without their newline; the last one may lack it (the end of the file).
    private static List<Range> Lines(ReadOnlySpan<byte> block)
    {
        var lines = new List<Range>(block.Length / 64 + 1);
        var start = 0;
        while (start < block.Length)
        {
            var newline = block[start..].IndexOf((byte)'\n');
            var end = newline < 0 ? block.Length : start + newline;
            lines.Add(start..end);
            start = end + 1;
        }
        return lines;
    }

    private static bool IsBlank(ReadOnlySpan<byte> line)
    {
        foreach (var b in line)
            if (!WordVectorHeader.IsBlank(b)) return false;
        return true;
    }
}
