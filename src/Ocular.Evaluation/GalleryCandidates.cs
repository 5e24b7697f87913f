using Ocular.Evaluation.Reports;
using Ocular.Torch;

namespace Ocular.Evaluation;

/// <summary>
/// The report's pictures of the chunks one process computes, rendered while the chunk's images and maps are at hand: the
/// gallery's images (the first of the evaluation) with every method's overlay, and, for every graded column and method,
/// the chunk's best and worst image — the first one on ties — when it beats every image this process has seen before
/// (only then can it beat the images other processes saw: <see cref="GalleryBuilder"/> keeps the best over all chunks, in
/// data-set order). One process alone renders exactly the overlays the single run always rendered.
/// </summary>
internal sealed class GalleryCandidates(int galleryImages)
{
    private readonly Dictionary<(string Column, string Method, bool Best), double> _leaders = [];

    /// <summary>The chunk's gallery items and its extreme cases that lead this process's so far.</summary>
    public (List<GalleryItem> Gallery, List<ExtremeCase> Extremes) Pick(ChunkContext c, IReadOnlyList<ImageRecord> records, IReadOnlyList<string> methods,
        IReadOnlyList<MethodChunk> chunks, IReadOnlyDictionary<string, Tensor> maps, IReadOnlyList<MetricColumn> columns)
    {
        var gallery = new List<GalleryItem>();
        for (var i = 0; i < c.Count && c.Start + i < galleryImages; i++)
        {
            using var raw = c.Raw.Select(0, i);
            var overlays = methods.ToDictionary(m => m, m => ReportImages.Overlay(raw, maps[m], i));
            gallery.Add(new GalleryItem(records[i], ReportImages.ImagePng(raw), overlays));
        }
        var extremes = new List<ExtremeCase>();
        foreach (var column in columns.Where(col => col.Continuous))
            for (var m = 0; m < methods.Count; m++)
            {
                if (!chunks[m].Values.TryGetValue(column.Key, out var values)) continue;
                foreach (var best in new[] { true, false })
                {
                    var candidate = -1;
                    for (var i = 0; i < c.Count; i++)
                    {
                        var v = values[i];
                        if (double.IsNaN(v)) continue;
                        if (candidate < 0 || (best ? column.IsBetter(v, values[candidate]) : column.IsBetter(values[candidate], v))) candidate = i;
                    }
                    if (candidate < 0) continue;
                    var value = values[candidate];
                    var key = (column.Key, methods[m], best);
                    if (_leaders.TryGetValue(key, out var leader) && !(best ? column.IsBetter(value, leader) : column.IsBetter(leader, value))) continue;
                    _leaders[key] = value;
                    using var raw = c.Raw.Select(0, candidate);
                    extremes.Add(new ExtremeCase(column.Key, methods[m], best, records[candidate], value, ReportImages.Overlay(raw, maps[methods[m]], candidate)));
                }
            }
        return (gallery, extremes);
    }
}
