using Ocular.Torch;
using Ocular.Evaluation.Reports;

namespace Ocular.Evaluation;

/// <summary>
/// Collects the report's pictures while the chunks stream past: the first images with every method's
/// overlay, and, for every graded column and method, the best and worst image so far (its overlay is
/// rendered when it takes the lead, so no map has to be kept until the end).
/// </summary>
internal sealed class GalleryBuilder(int galleryImages)
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

    public void AddChunk(ChunkContext c, IReadOnlyList<ImageRecord> records, IReadOnlyList<MethodAccumulator> methods, IReadOnlyDictionary<string, Tensor> maps, IReadOnlyList<MetricColumn> columns)
    {
        for (var i = 0; i < c.Count && c.Start + i < galleryImages; i++)
        {
            using var raw = c.Raw.Select(0, i);
            var overlays = methods.ToDictionary(m => m.Source.Name, m => ReportImages.Overlay(raw, maps[m.Source.Name], i));
            _gallery.Add(new GalleryItem(records[i], ReportImages.ImagePng(raw), overlays));
        }
        foreach (var column in columns.Where(col => col.Continuous))
            foreach (var method in methods)
            {
                var values = method.Values(column.Key);
                foreach (var best in new[] { true, false })
                {
                    var candidate = -1;
                    for (var i = 0; i < c.Count; i++)
                    {
                        var v = values[c.Start + i];
                        if (double.IsNaN(v)) continue;
                        if (candidate < 0 || (best ? column.IsBetter(v, values[c.Start + candidate]) : column.IsBetter(values[c.Start + candidate], v))) candidate = i;
                    }
                    if (candidate < 0) continue;
                    var value = values[c.Start + candidate];
                    var key = (column.Key, method.Source.Name, best);
                    if (_extremes.TryGetValue(key, out var current) && !(best ? column.IsBetter(value, current.Value) : column.IsBetter(current.Value, value))) continue;
                    using var raw = c.Raw.Select(0, candidate);
                    _extremes[key] = new ExtremeCase(column.Key, method.Source.Name, best, records[candidate], value, ReportImages.Overlay(raw, maps[method.Source.Name], candidate));
                }
            }
    }
}
