using Ocular.Torch;

namespace Ocular.Explain.Semantics;

/// <summary>
/// The words and raw vectors a reader has parsed so far, in file order, kept in blocks of whole rows (so that a 400 K × 300
/// file never needs one 480 MB managed array), with the line of every word for the duplicate-word error.
/// </summary>
internal sealed class WordVectorRows
{
    private const int RowsPerBlock = 4096;

    private readonly string _path;
    private readonly List<(float[] Data, int Rows)> _blocks = [];
    private readonly List<long> _lines = [];

    public WordVectorRows(string path, int dimension)
    {
        _path = path;
        Dimension = dimension;
    }

    public int Dimension { get; }

    public List<string> Words { get; } = [];

    public Dictionary<string, int> Index { get; } = new(StringComparer.Ordinal);

    public int Count => Words.Count;

    /// <summary>Registers <paramref name="word"/> (read at <paramref name="line"/>) and returns the span its vector goes into.</summary>
    /// <exception cref="WordEmbeddingFormatException">The word was already read.</exception>
    public Span<float> Next(string word, long line, long? byteOffset = null)
    {
        Register(word, line, byteOffset);
        if (_blocks.Count == 0 || _blocks[^1].Rows == RowsPerBlock || _blocks[^1].Data.Length != RowsPerBlock * Dimension)
            _blocks.Add((new float[RowsPerBlock * Dimension], 0));
        var (data, rows) = _blocks[^1];
        _blocks[^1] = (data, rows + 1);
        return data.AsSpan(rows * Dimension, Dimension);
    }

    /// <summary>Appends rows parsed elsewhere (a block of text lines): <paramref name="data"/> holds <paramref name="words"/>.Count rows.</summary>
    public void AddBlock(IReadOnlyList<string> words, IReadOnlyList<long> lines, float[] data)
    {
        for (var i = 0; i < words.Count; i++) Register(words[i], lines[i], null);
        if (words.Count > 0) _blocks.Add((data, words.Count));
    }

    private void Register(string word, long line, long? byteOffset)
    {
        if (!Index.TryAdd(word, Words.Count))
        {
            var first = _lines[Index[word]];
            var where = byteOffset is null ? $"line {first}" : $"entry {first}";
            throw new WordEmbeddingFormatException(_path, line, $"the word '{Shorten(word)}' appears a second time (first at {where}); every word must have one vector", byteOffset);
        }
        Words.Add(word);
        _lines.Add(line);
    }

    /// <summary>The raw values as parsed, row after row (tests: values read back exactly).</summary>
    public float[] RawValues() => [.. _blocks.SelectMany(b => b.Data.Take(b.Rows * Dimension))];

    /// <summary>The rows as a float32 [V, D] tensor (owned by no scope), each L2-normalised, zero rows left zero.</summary>
    public Tensor ToNormalisedTensor()
    {
        var tensor = DisposeScope.Detach(Tensor.Empty([Count, Dimension]));
        try
        {
            var starts = new int[_blocks.Count];
            for (int b = 0, row = 0; b < _blocks.Count; row += _blocks[b].Rows, b++) starts[b] = row;
            Parallel.For(0, _blocks.Count, b =>
            {
                var (data, rows) = _blocks[b];
                var destination = tensor.DataSpan<float>().Slice(starts[b] * Dimension, rows * Dimension);
                data.AsSpan(0, rows * Dimension).CopyTo(destination);
                NormaliseRows(destination, Dimension);
            });
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Divides each row of <paramref name="rows"/> by its L2 norm, both in double (so that a row like (3, 4) becomes exactly
    /// the floats nearest 0.6 and 0.8); a zero row stays zero (§1: "normalised vectors are L2-normalised").
    /// </summary>
    public static void NormaliseRows(Span<float> rows, int dimension)
    {
        for (var start = 0; start < rows.Length; start += dimension)
        {
            var row = rows.Slice(start, dimension);
            double sum = 0;
            foreach (var x in row) sum += (double)x * x;
            if (sum == 0) continue;
            var norm = Math.Sqrt(sum);
            for (var i = 0; i < row.Length; i++) row[i] = (float)(row[i] / norm);
        }
    }

    /// <summary>A word or token for an error message: at most 40 characters.</summary>
    public static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
