using System.Globalization;
using System.Text;

namespace Ocular.Evaluation.Reports;

/// <summary>A filter as the LaViSE page shows it.</summary>
/// <param name="Filter">The filter index.</param>
/// <param name="Threshold">T_u.</param>
/// <param name="Words">Its words with their counts, best first.</param>
/// <param name="Images">Its top images with the activated region highlighted, with their own words and ground truth.</param>
public sealed record FilterEntry(int Filter, double Threshold, IReadOnlyList<(string Word, int Count)> Words, IReadOnlyList<FilterImageEntry> Images);

/// <summary>One top image of a filter.</summary>
/// <param name="Name">The image's name (file or index).</param>
/// <param name="MaxActivation">The filter's maximum activation on it.</param>
/// <param name="Png">The image with the region where the filter's upsampled activation exceeds T_u highlighted.</param>
/// <param name="Words">The image's nearest words.</param>
/// <param name="GroundTruth">The annotated concepts that overlap the region (IoU above the threshold).</param>
public sealed record FilterImageEntry(string Name, double MaxActivation, byte[] Png, IReadOnlyList<string> Words, IReadOnlyList<string> GroundTruth);

/// <summary>A row of the recall table.</summary>
/// <param name="Source">The method (or the frequency baseline).</param>
/// <param name="Group">all, seen or unseen concepts.</param>
/// <param name="At">recall@k by k.</param>
/// <param name="Pairs">The (filter, image) pairs counted.</param>
public sealed record RecallEntry(string Source, string Group, IReadOnlyDictionary<int, double> At, int Pairs);

/// <summary>
/// <c>filters.html</c> of <c>ocular explain-filters</c>: the recall table, then every explained filter with its words and
/// its top images, each with the filter's activated region highlighted; self-contained, in the evaluation report's style.
/// </summary>
public static class FiltersHtml
{
    /// <summary>Renders the page.</summary>
    public static string Render(string title, IReadOnlyList<string> notes, IReadOnlyList<RecallEntry> recall, IReadOnlyList<FilterEntry> filters)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>");
        sb.Append($"<title>{Html.Escape(title)}</title><style>{HtmlReport.Css}</style></head><body>\n");
        sb.Append($"<h1>{Html.Escape(title)}</h1>\n<ul class=\"notes\">");
        foreach (var n in notes) sb.Append($"<li>{Html.Escape(n)}</li>");
        sb.Append("</ul>\n");
        if (recall.Count > 0)
        {
            var ks = recall[0].At.Keys.Order().ToList();
            sb.Append("<h2>Recall</h2>\n<table><thead><tr><th>words from</th><th>concepts</th>");
            foreach (var k in ks) sb.Append($"<th>R@{k.ToString(inv)}</th>");
            sb.Append("<th>(filter, image) pairs</th></tr></thead><tbody>\n");
            foreach (var r in recall)
            {
                sb.Append($"<tr><td>{Html.Escape(r.Source)}</td><td>{Html.Escape(r.Group)}</td>");
                foreach (var k in ks) sb.Append($"<td>{(double.IsNaN(r.At[k]) ? "—" : r.At[k].ToString("F3", inv))}</td>");
                sb.Append($"<td>{r.Pairs.ToString(inv)}</td></tr>\n");
            }
            sb.Append("</tbody></table>\n");
        }
        foreach (var f in filters)
        {
            var words = string.Join(", ", f.Words.Select(w => $"{Html.Escape(w.Word)} ({w.Count.ToString(inv)})"));
            sb.Append($"<h2>filter {f.Filter.ToString(inv)}: {(words.Length == 0 ? "no words" : words)}</h2>\n")
              .Append($"<p class=\"notes\">T = {f.Threshold.ToString("G4", inv)}</p>\n<table><tbody><tr>");
            foreach (var image in f.Images)
                sb.Append($"<td><img alt=\"{Html.Escape(image.Name)}\" src=\"{Html.PngDataUri(image.Png)}\"/><br/>")
                  .Append($"{Html.Escape(image.Name)}, max {image.MaxActivation.ToString("G3", inv)}<br/>")
                  .Append($"words: {Html.Escape(string.Join(", ", image.Words))}<br/>")
                  .Append($"annotated: {Html.Escape(image.GroundTruth.Count == 0 ? "—" : string.Join(", ", image.GroundTruth))}</td>");
            sb.Append("</tr></tbody></table>\n");
        }
        sb.Append("</body></html>\n");
        return sb.ToString();
    }
}
