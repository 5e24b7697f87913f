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

/// <summary>One of an image's most similar words, as <c>ocular explain --method lvw</c> shows it.</summary>
/// <param name="Word">The word's index.</param>
/// <param name="Score">Its score on the image (log similarity of its closest patch).</param>
/// <param name="OverlayPng">Its similarity on the image, laid over it.</param>
/// <param name="PatchPng">The training patch it was pushed onto.</param>
/// <param name="Source">Where that patch comes from ("file (class)").</param>
public sealed record WordHit(int Word, double Score, byte[] OverlayPng, byte[] PatchPng, string Source);

/// <summary>An explained image and its most similar words.</summary>
/// <param name="Name">The input's name.</param>
/// <param name="Prediction">The network's prediction ("class (probability)").</param>
/// <param name="ImagePng">The preprocessed image.</param>
/// <param name="Words">Its most similar words, best first.</param>
public sealed record ImageWords(string Name, string Prediction, byte[] ImagePng, IReadOnlyList<WordHit> Words);

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

    /// <summary>
    /// <c>lvw-words.html</c> of <c>ocular explain --method lvw</c>: for each image, its most similar words with their
    /// scores, their similarity on the image and the training patch each was pushed onto ("this looks like that").
    /// </summary>
    public static string RenderExplanations(string title, IReadOnlyList<string> notes, IReadOnlyList<ImageWords> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>");
        sb.Append($"<title>{Html.Escape(title)}</title><style>{HtmlReport.Css}</style></head><body>\n");
        sb.Append($"<h1>{Html.Escape(title)}</h1>\n<ul class=\"notes\">");
        foreach (var n in notes) sb.Append($"<li>{Html.Escape(n)}</li>");
        sb.Append("</ul>\n");
        foreach (var image in images)
        {
            sb.Append($"<h2>{Html.Escape(image.Name)}: {Html.Escape(image.Prediction)}</h2>\n<table><tbody><tr>")
              .Append($"<td><img alt=\"{Html.Escape(image.Name)}\" src=\"{Html.PngDataUri(image.ImagePng)}\"/><br/>the image</td>");
            foreach (var w in image.Words)
                sb.Append($"<td><img alt=\"word {w.Word} on the image\" src=\"{Html.PngDataUri(w.OverlayPng)}\"/> ")
                  .Append($"<img alt=\"word {w.Word} source\" src=\"{Html.PngDataUri(w.PatchPng)}\"/><br/>")
                  .Append($"word {w.Word.ToString(CultureInfo.InvariantCulture)}, score {w.Score.ToString("F3", CultureInfo.InvariantCulture)}<br/>from {Html.Escape(w.Source)}</td>");
            sb.Append("</tr></tbody></table>\n");
        }
        sb.Append("</body></html>\n");
        return sb.ToString();
    }
}
