namespace Ocular.Explain.Learned.Lavise;

/// <summary>
/// Recall@k of filter explanations (lavise.md §5.2, §8.13): for every filter u and each of its top images i with a
/// non-empty ground truth G_{u,i}, <c>|W ∩ G| / |G|</c> with exact string match, where W is the image's own top-k words
/// (per image, the default) or the filter's cumulative top-k ranking (filter level: averaged per filter, then over
/// filters). Reported for all concepts and separately for the seen and unseen ones (a pair counts in a group when its
/// ground truth has concepts of that group).
/// </summary>
public static class FilterRecall
{
    /// <summary>The groups of concepts reported.</summary>
    public static readonly IReadOnlyList<string> Groups = ["all", "seen", "unseen"];

    /// <summary>The method's recall.</summary>
    public static IReadOnlyList<RecallRow> Method(IReadOnlyList<FilterWords> filters, FilterExplanationOptions options, IReadOnlySet<string>? seen) =>
        Rows(filters, options, seen, (filter, image, k) => options.Recall == RecallDefinition.PerImage
            ? image.Words.Take(k)
            : filter.Ranking.Take(k).Select(w => w.Word), image => image.GroundTruth);

    /// <summary>The frequency baseline: the <c>k</c> most frequent concepts for every image, against the image's concepts with R = the whole image.</summary>
    public static IReadOnlyList<RecallRow> Baseline(IReadOnlyList<FilterWords> filters, IReadOnlyList<string> mostFrequent,
        IReadOnlyDictionary<int, IReadOnlyList<string>> wholeImageTruth, FilterExplanationOptions options, IReadOnlySet<string>? seen) =>
        Rows(filters, options with { Recall = RecallDefinition.PerImage }, seen, (_, _, k) => mostFrequent.Take(k), image => wholeImageTruth[image.Image]);

    private static List<RecallRow> Rows(IReadOnlyList<FilterWords> filters, FilterExplanationOptions options, IReadOnlySet<string>? seen,
        Func<FilterWords, FilterImage, int, IEnumerable<string>> words, Func<FilterImage, IReadOnlyList<string>> truth)
    {
        var rows = new List<RecallRow>();
        foreach (var group in Groups)
        {
            if (group != "all" && seen is null) continue;
            bool InGroup(string concept) => group switch { "seen" => seen!.Contains(concept), "unseen" => !seen!.Contains(concept), _ => true };
            var at = new Dictionary<int, double>();
            var pairs = 0;
            foreach (var k in options.RecallAt)
            {
                // Per image: the mean over all (filter, image) pairs; filter level: the mean over each filter's images, then over filters.
                var perFilter = new List<double>();
                var all = new List<double>();
                foreach (var filter in filters)
                {
                    var values = new List<double>();
                    foreach (var image in filter.Images)
                    {
                        var g = truth(image).Where(InGroup).ToHashSet(StringComparer.Ordinal);
                        if (g.Count == 0) continue;
                        var w = words(filter, image, k).ToHashSet(StringComparer.Ordinal);
                        values.Add((double)g.Count(w.Contains) / g.Count);
                    }
                    all.AddRange(values);
                    if (values.Count > 0) perFilter.Add(values.Average());
                }
                pairs = all.Count;
                var source = options.Recall == RecallDefinition.PerImage ? all : perFilter;
                at[k] = source.Count == 0 ? double.NaN : source.Average();
            }
            rows.Add(new RecallRow(group, at, pairs));
        }
        return rows;
    }
}
