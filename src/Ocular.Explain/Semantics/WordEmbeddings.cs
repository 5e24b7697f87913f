using Ocular.Torch;
using F = Ocular.Torch.Functional;

namespace Ocular.Explain.Semantics;

/// <summary>
/// A word-embedding table — LaViSE's semantic space (reference <c>lavise.md</c> §1: GloVe 6B-300d, 400 K words; §7
/// "WordEmbeddingIndex") — with its words, its L2-normalised vectors and batched top-k cosine queries.
/// </summary>
/// <remarks>
/// <para><b>Reading.</b> GloVe text, word2vec/fastText text (<c>.vec</c>) and word2vec binary (<see cref="WordEmbeddingFormat"/>),
/// UTF-8. A parsed file is cached as safetensors under <see cref="DefaultCacheDirectory"/> (one file per source, valid while
/// the source's size, modification time and first and last 64 KiB are unchanged), so the second load of the 1 GB
/// <c>glove.6B.300d.txt</c> is one read of its 480 MB of floats.</para>
/// <para><b>Rows.</b> Row i of <see cref="Vectors"/> is <see cref="Words"/>[i], in file order; its L2 norm is 1, or 0 for a zero
/// vector. Look-ups are exact and case-sensitive, as torchtext's <c>GloVe.stoi</c>.</para>
/// </remarks>
public sealed class WordEmbeddings : IDisposable
{
    private readonly string[] _words;
    private readonly Dictionary<string, int> _index;
    private readonly Tensor _vectors;
    private bool _disposed;

    private WordEmbeddings(string[] words, Dictionary<string, int> index, Tensor vectors, string source, string? cachePath)
    {
        _words = words;
        _index = index;
        _vectors = vectors;
        Source = source;
        CachePath = cachePath;
    }

    /// <summary>Where parsed files are cached by default: <c>$XDG_CACHE_HOME/ocular/embeddings</c> or <c>~/.cache/ocular/embeddings</c>.</summary>
    public static string DefaultCacheDirectory => Ocular.Torch.Serialization.CacheDirectory.For("embeddings");

    /// <summary>The file the words were read from (its full path), or the description given to <see cref="FromVectors"/>.</summary>
    public string Source { get; }

    /// <summary>The parsed copy this table was read from or written to; null when none was used (no cache, or it could not be written).</summary>
    public string? CachePath { get; }

    /// <summary>The number of words, V.</summary>
    public int Count => _words.Length;

    /// <summary>The dimension of the vectors, D.</summary>
    public int Dimension => (int)Vectors.Size(1);

    /// <summary>The words, row by row.</summary>
    public IReadOnlyList<string> Words => _words;

    /// <summary>float32 [V, D] on the CPU, each row L2-normalised (a zero row stays zero); owned by this object.</summary>
    public Tensor Vectors
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _vectors;
        }
    }

    /// <summary>Reads a word-vector file (see the remarks of <see cref="WordEmbeddings"/>), through the cache.</summary>
    /// <param name="path">The file.</param>
    /// <param name="format">Its layout; <see cref="WordEmbeddingFormat.Auto"/> detects it.</param>
    /// <param name="progress">Receives the fraction of the file parsed, 0 to 1.</param>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="WordEmbeddingFormatException">The file breaks its format; the message names the file and the line.</exception>
    public static WordEmbeddings Load(string path, WordEmbeddingFormat format = WordEmbeddingFormat.Auto, IProgress<double>? progress = null) =>
        Load(path, new WordEmbeddingLoadOptions { Format = format }, progress);

    /// <summary>Reads a word-vector file with explicit options (format, cache).</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="WordEmbeddingFormatException">The file breaks its format; the message names the file and the line.</exception>
    public static WordEmbeddings Load(string path, WordEmbeddingLoadOptions options, IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(options);
        if (!File.Exists(path)) throw new FileNotFoundException($"word embeddings not found: {path}", path);
        var source = Path.GetFullPath(path);
        var cache = options.UseCache ? new WordEmbeddingCache(options.CacheDirectory ?? DefaultCacheDirectory) : null;
        if (cache?.TryLoad(source, options.Format) is { } cached)
        {
            var (cachedWords, cachedVectors) = cached;
            progress?.Report(1);
            return new WordEmbeddings(cachedWords, IndexOf(cachedWords, source), cachedVectors, source, cache.PathFor(source, options.Format));
        }

        var format = options.Format == WordEmbeddingFormat.Auto ? WordVectorFormatDetection.Detect(source) : options.Format;
        var rows = format switch
        {
            WordEmbeddingFormat.GloVeText => WordVectorText.Read(source, header: false, progress),
            WordEmbeddingFormat.Word2VecText => WordVectorText.Read(source, header: true, progress),
            WordEmbeddingFormat.Word2VecBinary => WordVectorBinary.Read(source, progress),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Format, "unknown word-embedding format"),
        };
        var vectors = rows.ToNormalisedTensor();
        var words = rows.Words.ToArray();
        var cachePath = cache?.TrySave(source, options.Format, words, vectors);
        progress?.Report(1);
        return new WordEmbeddings(words, rows.Index, vectors, source, cachePath);
    }

    /// <summary>A table from vectors in memory (tests, small vocabularies); the rows are copied and L2-normalised.</summary>
    /// <param name="words">The words, distinct, one per row.</param>
    /// <param name="vectors">[V, D], any floating type and norm.</param>
    /// <param name="source">What to call the table in messages.</param>
    /// <exception cref="ArgumentException">The shapes disagree, a word repeats, or a value is not finite.</exception>
    public static WordEmbeddings FromVectors(IReadOnlyList<string> words, Tensor vectors, string source)
    {
        ArgumentNullException.ThrowIfNull(words);
        ArgumentNullException.ThrowIfNull(vectors);
        ArgumentNullException.ThrowIfNull(source);
        if (vectors.Dim != 2 || vectors.Size(0) != words.Count || vectors.Size(1) < 1)
            throw new ArgumentException($"{source}: the vectors must be [V, D] with V = {words.Count} words and D ≥ 1, got {Tensor.ShapeString(vectors.Shape)}", nameof(vectors));
        if (words.Count == 0) throw new ArgumentException($"{source}: no words", nameof(words));
        var index = new Dictionary<string, int>(words.Count, StringComparer.Ordinal);
        for (var i = 0; i < words.Count; i++)
            if (!index.TryAdd(words[i], i))
                throw new ArgumentException($"{source}: the word '{words[i]}' is at rows {index[words[i]]} and {i}; every word must have one vector", nameof(words));
        float[] data;
        using (var cpu = vectors.To(ScalarType.Float32, Device.Cpu).Contiguous()) data = cpu.ToArray<float>();
        if (data.Any(x => !float.IsFinite(x))) throw new ArgumentException($"{source}: the vectors hold NaN or infinite values", nameof(vectors));
        var dimension = (int)vectors.Size(1);
        WordVectorRows.NormaliseRows(data, dimension);
        var tensor = DisposeScope.Detach(Tensor.FromArray(data, words.Count, dimension));
        return new WordEmbeddings([.. words], index, tensor, source, null);
    }

    /// <summary>The row of <paramref name="word"/>, or -1 when it has none (exact, case-sensitive).</summary>
    public int IndexOf(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        return _index.TryGetValue(word, out var row) ? row : -1;
    }

    /// <summary>
    /// The rows of a label's words, as the original maps labels to GloVe rows (reference §3.2): the label is split at
    /// spaces and each word looked up, so 'traffic light' gives [row(traffic), row(light)]; a one-word label gives one row.
    /// </summary>
    /// <exception cref="ArgumentException">The label has no word.</exception>
    /// <exception cref="KeyNotFoundException">A word of the label has no vector; the message names the label, the words and the file.</exception>
    public IReadOnlyList<int> LabelRows(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        var parts = label.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw new ArgumentException("an empty label has no words to look up", nameof(label));
        var rows = parts.Select(IndexOf).ToArray();
        var missing = parts.Where((_, i) => rows[i] < 0).Distinct().ToList();
        if (missing.Count > 0)
            throw new KeyNotFoundException($"the label '{label}' has no embedding: {(missing.Count == 1 ? "the word" : "the words")} " +
                                           $"{string.Join(", ", missing.Select(w => $"'{w}'"))} {(missing.Count == 1 ? "is" : "are")} not among the {Count} words of {Source}");
        return rows;
    }

    /// <summary>
    /// The <paramref name="k"/> words nearest each query by cosine similarity, most similar first, ties broken by
    /// ascending row (reference §8.12), with one matrix product per block of queries (the score matrix stays within 256 MB).
    /// </summary>
    /// <param name="queries">float [B, D], any norm (a zero query scores 0 against every word).</param>
    /// <param name="k">How many words per query, 1 to the number of candidates.</param>
    /// <param name="restrictTo">Only these rows are candidates (any order; repeats ignored); null for all words.</param>
    /// <exception cref="ArgumentException">The queries are not [B, D] or hold NaN or infinite values, or a row is out of range.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is not between 1 and the number of candidates.</exception>
    public WordMatches Nearest(Tensor queries, int k, IReadOnlyList<int>? restrictTo = null) => Nearest(queries, k, restrictTo, ScoreElements);

    // scoreElements: the block size's bound, small in tests so that the blocks are exercised.
    internal WordMatches Nearest(Tensor queries, int k, IReadOnlyList<int>? restrictTo, long scoreElements)
    {
        ArgumentNullException.ThrowIfNull(queries);
        var vectors = Vectors;
        if (queries.Dim != 2 || queries.Size(1) != Dimension)
            throw new ArgumentException($"queries must be [B, {Dimension}] for {Source}, got {Tensor.ShapeString(queries.Shape)}", nameof(queries));
        var candidates = restrictTo is null ? null : Candidates(restrictTo);
        var n = candidates?.Length ?? Count;
        if (k < 1 || k > n) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be between 1 and the {n} candidate words");
        using var scope = DisposeScope.Enter();
        var q = queries.To(ScalarType.Float32, vectors.Device);
        if (q.IsFinite().LogicalNot().Any().Item<bool>()) throw new ArgumentException("the queries hold NaN or infinite values", nameof(queries));
        var table = candidates is null ? vectors : vectors.IndexSelect(0, Tensor.FromArray(candidates.Select(c => (long)c).ToArray()));
        var normalised = F.Normalize(q, 2, 1);
        var b = (int)q.Size(0);
        // Blocks of queries whose score matrix stays within ScoreElements (256 MB): 16,384 queries against 400 K words
        // would otherwise need 26 GB. Each block is still one matrix product.
        var block = (int)Math.Clamp(scoreElements / n, 1, Math.Max(b, 1));
        if (b <= block) return TiedTopK.Select(normalised.Matmul(table.Transpose(0, 1)), k, candidates);
        var rows = new int[b, k];
        var scores = new float[b, k];
        for (var start = 0; start < b; start += block)
        {
            using var blockScope = DisposeScope.Enter();
            var count = Math.Min(block, b - start);
            var part = TiedTopK.Select(normalised.Narrow(0, start, count).Matmul(table.Transpose(0, 1)), k, candidates);
            for (var i = 0; i < count; i++)
                for (var j = 0; j < k; j++)
                    (rows[start + i, j], scores[start + i, j]) = (part.Rows[i, j], part.Scores[i, j]);
        }
        return new WordMatches(rows, scores);
    }

    // The most query-by-word scores Nearest holds at once (float32: 256 MB).
    private const long ScoreElements = 1L << 26;

    // Sorted, distinct, in range: positions in this list ascend with the rows, so a tie broken by position is broken by row.
    private int[] Candidates(IReadOnlyList<int> restrictTo)
    {
        var rows = restrictTo.Distinct().Order().ToArray();
        if (rows.Length == 0) throw new ArgumentException("restrictTo is empty; give at least one row", nameof(restrictTo));
        if (rows[0] < 0 || rows[^1] >= Count)
            throw new ArgumentException($"restrictTo holds the row {(rows[0] < 0 ? rows[0] : rows[^1])}, outside 0…{Count - 1} of {Source}", nameof(restrictTo));
        return rows;
    }

    private static Dictionary<string, int> IndexOf(string[] words, string source)
    {
        var index = new Dictionary<string, int>(words.Length, StringComparer.Ordinal);
        for (var i = 0; i < words.Length; i++)
            if (!index.TryAdd(words[i], i)) throw new InvalidDataException($"the cached copy of {source} lists '{words[i]}' twice; delete the cache file");
        return index;
    }

    /// <summary>Frees the vectors.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _vectors.Dispose();
    }
}
