using System.Text.Json.Serialization;
using Ocular.Explain.Semantics;
using Ocular.Torch;

namespace Ocular.Explain.Learned.Lavise;

/// <summary>
/// The label columns of LaViSE's loss (lavise.md §3.2, §3.4): every concept of the reference data set mapped to its word
/// rows in the embedding (a multi-word label such as "traffic light" → the rows of "traffic" and "light"), the distinct
/// rows in order of first appearance as the columns of the multi-hot targets, and which columns are <i>seen</i> in
/// training (the generalised zero-shot setting: the others are left for the explainer to discover).
/// </summary>
public sealed record ConceptVocabulary
{
    /// <summary>The data set's concept names, in its order.</summary>
    public required IReadOnlyList<string> Concepts { get; init; }

    /// <summary>The columns of each concept (indices into <see cref="ColumnWords"/>).</summary>
    public required IReadOnlyList<IReadOnlyList<int>> ConceptColumns { get; init; }

    /// <summary>The word of each column.</summary>
    public required IReadOnlyList<string> ColumnWords { get; init; }

    /// <summary>Whether each column is seen (supervised) in training.</summary>
    public required IReadOnlyList<bool> Seen { get; init; }

    /// <summary>The fraction of columns drawn as seen (§3.4: 0.7 by default; 1 = every column, the COCO setting).</summary>
    public double SeenRate { get; init; } = 1;

    /// <summary>The seed of the seen/unseen draw.</summary>
    public ulong Seed { get; init; }

    /// <summary>The number of label columns L.</summary>
    [JsonIgnore]
    public int Columns => ColumnWords.Count;

    /// <summary>The indices of the seen columns, ascending.</summary>
    [JsonIgnore]
    public IReadOnlyList<int> SeenColumns => [.. Enumerable.Range(0, Columns).Where(c => Seen[c])];

    /// <summary>The indices of the unseen columns, ascending.</summary>
    [JsonIgnore]
    public IReadOnlyList<int> UnseenColumns => [.. Enumerable.Range(0, Columns).Where(c => !Seen[c])];

    /// <summary>
    /// Maps <paramref name="concepts"/> to the rows of <paramref name="embeddings"/> and draws the seen columns:
    /// <c>floor(L · seenRate)</c> columns <b>without replacement</b> from a generator seeded with <paramref name="seed"/>
    /// (§8.6: the original samples with replacement at a default rate of 0.1).
    /// </summary>
    /// <exception cref="KeyNotFoundException">Concepts whose words the embedding lacks (all of them are named, with the file).</exception>
    public static ConceptVocabulary Create(IReadOnlyList<string> concepts, WordEmbeddings embeddings, double seenRate, ulong seed)
    {
        if (concepts.Count == 0) throw new ArgumentException("the reference data set has no concepts", nameof(concepts));
        if (!(seenRate > 0 && seenRate <= 1)) throw new ArgumentOutOfRangeException(nameof(seenRate), seenRate, "the seen rate is a fraction in (0, 1]");
        var missing = new List<string>();
        var rows = new List<IReadOnlyList<int>>();
        foreach (var concept in concepts)
        {
            try { rows.Add(embeddings.LabelRows(concept)); }
            catch (KeyNotFoundException) { missing.Add(concept); rows.Add([]); }
        }
        if (missing.Count > 0)
            throw new KeyNotFoundException($"{embeddings.Source} has no embedding for {missing.Count} of the {concepts.Count} concepts: " +
                                           $"{string.Join(", ", missing.Take(20).Select(m => $"'{m}'"))}{(missing.Count > 20 ? ", …" : "")}; " +
                                           "use an embedding that covers the data set's labels (e.g. --embeddings glove.6B.300d.txt)");
        var columnOfRow = new Dictionary<int, int>();
        var words = new List<string>();
        var conceptColumns = rows.Select(r => (IReadOnlyList<int>)[.. r.Select(row =>
        {
            if (!columnOfRow.TryGetValue(row, out var column))
            {
                column = words.Count;
                columnOfRow[row] = column;
                words.Add(embeddings.Words[row]);
            }
            return column;
        }).Distinct()]).ToList();
        var seen = new bool[words.Count];
        var take = seenRate >= 1 ? words.Count : (int)Math.Floor(words.Count * seenRate);
        if (take == 0) throw new ArgumentOutOfRangeException(nameof(seenRate), seenRate, $"a seen rate of {seenRate} leaves none of the {words.Count} label columns seen");
        using (var generator = new Generator(seed))
        using (var order = Tensor.RandPerm(words.Count, generator))
            foreach (var c in order.ToArray<long>().Take(take)) seen[c] = true;
        return new ConceptVocabulary { Concepts = concepts, ConceptColumns = conceptColumns, ColumnWords = words, Seen = seen, SeenRate = seenRate, Seed = seed };
    }

    /// <summary>The index of a concept name, or −1.</summary>
    public int IndexOf(string concept)
    {
        for (var i = 0; i < Concepts.Count; i++) if (Concepts[i] == concept) return i;
        return -1;
    }

    /// <summary>The multi-hot targets <c>[n, L]</c> (float32) of the concepts at <paramref name="concepts"/>.</summary>
    public Tensor Targets(ReadOnlySpan<int> concepts)
    {
        var values = new float[concepts.Length * Columns];
        for (var i = 0; i < concepts.Length; i++)
            foreach (var c in ConceptColumns[concepts[i]]) values[i * Columns + c] = 1;
        return Tensor.FromArray(values, concepts.Length, Columns);
    }

    /// <summary>The rows of the columns in <paramref name="embeddings"/> (which must be the embedding the vocabulary was made with).</summary>
    public int[] Rows(WordEmbeddings embeddings) => [.. ColumnWords.Select(w => embeddings.IndexOf(w) is var r and >= 0 ? r
        : throw new KeyNotFoundException($"{embeddings.Source} has no word '{w}', a label column of this explainer; use the embedding it was trained with"))];
}
