namespace Ocular.Evaluation;

/// <summary>
/// Collects the report's pictures as the chunks are folded in data-set order: the gallery's images, and, for every
/// graded column and method, the best and the worst image — the first of the evaluation on ties (a candidate replaces
/// the current one only when strictly better). The pictures are rendered by <see cref="GalleryCandidates"/>.
/// </summary>
internal sealed class GalleryBuilder
{
    private readonly List<GalleryItem> _gallery = [];
    private readonly Dictionary<(string Column, string Method, bool Best), ExtremeCase> _extremes = [];

    public IReadOnlyList<GalleryItem> Gallery => _gallery;

    public IReadOnlyList<ExtremeCase> Extremes(IReadOnlyList<MetricColumn> columns, IReadOnlyList<string> methods) =>
        [.. from column in columns
            from method in methods
            from best in new[] { true, false }
            where _extremes.ContainsKey((column.Key, method, best))
            select _extremes[(column.Key, method, best)]];

    /// <summary>Adds a chunk's gallery items and extreme-case candidates (the chunks in data-set order).</summary>
    public void Fold(IEnumerable<GalleryItem> gallery, IEnumerable<ExtremeCase> candidates, IReadOnlyList<MetricColumn> columns)
    {
        _gallery.AddRange(gallery);
        foreach (var candidate in candidates)
        {
            var column = columns.First(c => c.Key == candidate.Column);
            var key = (candidate.Column, candidate.Method, candidate.Best);
            if (_extremes.TryGetValue(key, out var current)
                && !(candidate.Best ? column.IsBetter(candidate.Value, current.Value) : column.IsBetter(current.Value, candidate.Value))) continue;
            _extremes[key] = candidate;
        }
    }
}
