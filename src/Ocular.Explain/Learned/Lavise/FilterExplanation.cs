namespace Ocular.Explain.Learned.Lavise;

/// <summary>The options of <see cref="FilterExplainer"/> (lavise.md §4.2, §7 "FilterExplainer"); the defaults are the paper's.</summary>
public sealed record FilterExplanationOptions
{
    /// <summary>How the explainer's input is built (§4.3; default the code's filter attention).</summary>
    public FilterMasking Method { get; init; } = FilterMasking.FilterAttention;

    /// <summary>p, the top activating images per filter (25).</summary>
    public int TopImages { get; init; } = 25;

    /// <summary>s, the words each image contributes to its filter's ranking (5).</summary>
    public int WordsPerImage { get; init; } = 5;

    /// <summary>x, the words of a filter's explanation (10).</summary>
    public int WordsPerFilter { get; init; } = 10;

    /// <summary>How an image's words are weighted (none, as the paper).</summary>
    public ActivationWeighting Weighting { get; init; } = ActivationWeighting.None;

    /// <summary>Only these words may explain a filter (e.g. the original's <c>entities.txt</c>); null: any word of the embedding.</summary>
    public IReadOnlySet<string>? Vocabulary { get; init; }

    /// <summary>Apply <see cref="Vocabulary"/> after the top-x cut, as the original (fewer than x words may remain; §8.12); default before it.</summary>
    public bool FilterAfterCut { get; init; }

    /// <summary>The k of recall@k (5, 10, 20).</summary>
    public IReadOnlyList<int> RecallAt { get; init; } = [5, 10, 20];

    /// <summary>Which recall (per image by default).</summary>
    public RecallDefinition Recall { get; init; } = RecallDefinition.PerImage;

    /// <summary>The IoU above which an annotation is a ground-truth concept of a filter on an image (0.04, NetDissect's).</summary>
    public double IouThreshold { get; init; } = 0.04;

    /// <summary>Images per forward pass (32).</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Checks the values.</summary>
    public void Validate()
    {
        if (TopImages < 1) throw new ArgumentException($"the top images per filter (p) must be at least 1, got {TopImages}");
        if (WordsPerImage < 1) throw new ArgumentException($"the words per image (s) must be at least 1, got {WordsPerImage}");
        if (WordsPerFilter < 1) throw new ArgumentException($"the words per filter (x) must be at least 1, got {WordsPerFilter}");
        if (RecallAt.Count == 0 || RecallAt.Any(k => k < 1)) throw new ArgumentException($"recall@k needs positive k values, got {string.Join(",", RecallAt)}");
        if (!(IouThreshold >= 0 && IouThreshold < 1)) throw new ArgumentException($"the IoU threshold must be in [0, 1), got {IouThreshold}");
        if (BatchSize < 1) throw new ArgumentException($"the batch size must be at least 1, got {BatchSize}");
    }
}

/// <summary>A word of a filter's explanation and how many of its top images (weighted) gave it.</summary>
/// <param name="Word">The word.</param>
/// <param name="Count">Its (weighted) count over the filter's top images.</param>
/// <param name="Row">Its row in the embedding (the tie order: counts descending, rows ascending).</param>
public sealed record WordCount(string Word, int Count, int Row);

/// <summary>One of a filter's top images.</summary>
/// <param name="Image">The reference data-set index.</param>
/// <param name="Path">Its file, when it has one.</param>
/// <param name="MaxActivation">The filter's maximum activation on it.</param>
/// <param name="Words">Its nearest words, best first (as many as the largest recall k or s).</param>
/// <param name="GroundTruth">The concepts whose mask overlaps the filter's activated region with IoU above the threshold.</param>
/// <param name="ActivationMap">The filter's activations F_u on the image, <c>h′ × w′</c> row-major (for pictures; not written to JSON).</param>
public sealed record FilterImage(int Image, string? Path, float MaxActivation, IReadOnlyList<string> Words, IReadOnlyList<string> GroundTruth,
    [property: System.Text.Json.Serialization.JsonIgnore] float[] ActivationMap);

/// <summary>The explanation of one filter.</summary>
/// <param name="Filter">The filter (channel) index u.</param>
/// <param name="Threshold">T_u.</param>
/// <param name="Words">The top-x words with their counts.</param>
/// <param name="Images">Its top images (those with a positive maximum activation).</param>
/// <param name="Ranking">Every word its images gave, ranked (before the vocabulary filter and the top-x cut): the filter-level recall reads it.</param>
public sealed record FilterWords(int Filter, float Threshold, IReadOnlyList<WordCount> Words, IReadOnlyList<FilterImage> Images, IReadOnlyList<WordCount> Ranking);

/// <summary>Recall@k of one word source on one group of concepts.</summary>
/// <param name="Group"><c>all</c>, <c>seen</c> or <c>unseen</c> concepts.</param>
/// <param name="At">recall@k by k.</param>
/// <param name="Pairs">The (filter, image) pairs with a non-empty ground truth in this group.</param>
public sealed record RecallRow(string Group, IReadOnlyDictionary<int, double> At, int Pairs);

/// <summary>All of a run of <see cref="FilterExplainer"/>.</summary>
/// <param name="Method">The masking method.</param>
/// <param name="Filters">Each explained filter.</param>
/// <param name="Recall">The method's recall (all, seen, unseen concepts).</param>
/// <param name="Baseline">The frequency baseline's recall: the reference data's most frequent concepts, R = the whole image.</param>
/// <param name="Definition">Which recall.</param>
/// <param name="Seconds">Time of the explanation (statistics excluded).</param>
public sealed record FilterExplanations(FilterMasking Method, IReadOnlyList<FilterWords> Filters, IReadOnlyList<RecallRow> Recall,
    IReadOnlyList<RecallRow> Baseline, RecallDefinition Definition, double Seconds);
