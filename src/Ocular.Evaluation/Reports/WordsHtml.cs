using System.Globalization;
using System.Text;

namespace Ocular.Evaluation.Reports;

/// <summary>One word of a prototype network as the words page shows it.</summary>
/// <param name="Word">The word's index.</param>
/// <param name="SourceImage">The training image it was pushed onto (index in the training split) and its file, if any.</param>
/// <param name="SourceClass">That image's class name.</param>
/// <param name="Classes">The classes with the largest last-layer weights from the word, with the weights.</param>
/// <param name="TopImages">How many evaluated images have it among their 10 most similar words.</param>
/// <param name="MeanScore">Its mean score over them.</param>
/// <param name="OverlayPng">The source image with the word's similarity laid over it.</param>
/// <param name="PatchPng">The source's high-activation crop.</param>
public sealed record WordEntry(int Word, string SourceImage, string SourceClass, IReadOnlyList<(string Class, double Weight)> Classes, int TopImages, double MeanScore,
    byte[] OverlayPng, byte[] PatchPng);

/// <summary>
/// <c>words.html</c> of <c>ocular words</c>: every word of a prototype network with the training patch it stands for,
/// the classes that use it and how many images activate it; self-contained, in the evaluation report's style.
/// </summary>
public static class WordsHtml
{
    /// <summary>Renders the page.</summary>
    /// <param name="title">The page's title (model and data).</param>
    /// <param name="notes">Lines shown under the title (the push's distinct patches, the images counted).</param>
    /// <param name="words">The words, in the order shown.</param>
    public static string Render(string title, IReadOnlyList<string> notes, IReadOnlyList<WordEntry> words)
    {
        ArgumentNullException.ThrowIfNull(words);
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>");
        sb.Append($"<title>{Html.Escape(title)}</title><style>{HtmlReport.Css}</style></head><body>\n");
        sb.Append($"<h1>{Html.Escape(title)}</h1>\n<ul class=\"notes\">");
        foreach (var n in notes) sb.Append($"<li>{Html.Escape(n)}</li>");
        sb.Append("</ul>\n<table><thead><tr><th>word</th><th>source (similarity)</th><th>patch</th><th>pushed onto</th><th>classes (last-layer weight)</th>" +
                  "<th>images with it in their top 10</th><th>mean score</th></tr></thead><tbody>\n");
        foreach (var w in words)
        {
            var classes = string.Join("<br/>", w.Classes.Select(c => $"{Html.Escape(c.Class)} ({c.Weight.ToString("F3", CultureInfo.InvariantCulture)})"));
            sb.Append($"<tr><td>{w.Word.ToString(CultureInfo.InvariantCulture)}</td>")
              .Append($"<td><img alt=\"word {w.Word} source\" src=\"{Html.PngDataUri(w.OverlayPng)}\"/></td>")
              .Append($"<td><img alt=\"word {w.Word} patch\" src=\"{Html.PngDataUri(w.PatchPng)}\"/></td>")
              .Append($"<td>{Html.Escape(w.SourceImage)}<br/>{Html.Escape(w.SourceClass)}</td><td>{classes}</td>")
              .Append($"<td>{w.TopImages.ToString(CultureInfo.InvariantCulture)}</td><td>{w.MeanScore.ToString("F3", CultureInfo.InvariantCulture)}</td></tr>\n");
        }
        sb.Append("</tbody></table>\n</body></html>\n");
        return sb.ToString();
    }
}
