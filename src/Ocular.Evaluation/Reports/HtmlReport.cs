using System.Globalization;
using System.Text;

namespace Ocular.Evaluation.Reports;

/// <summary>
/// report.html: one self-contained page — inline CSS, inline SVG charts, images as <c>data:</c> URIs of
/// PNGs; no script, no link, nothing fetched from a network. The markup is XHTML-compatible (every
/// element closed, attributes quoted, only XML's predefined entities), so an XML parser reads it.
/// Sections: settings, the methods × metrics table (direction arrows, best value per column in bold),
/// notes, conventions, mean deletion/insertion curves, ROAD by percentage, the sanity-check cascade,
/// a gallery of the first images with every method's overlay, and the best and worst image per method
/// for every graded metric.
/// </summary>
public static class HtmlReport
{
    internal const string Css = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#222;max-width:1400px}
        h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}
        table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
        th{background:#f4f4f4}td.name,th.name{text-align:left}td.best{font-weight:bold;background:#e6f4ea}
        .meta td{text-align:left}.small{font-size:9px}svg.chart text{font-size:11px;fill:#333}svg.chart text.ct{font-size:13px;font-weight:bold}
        .gallery td{text-align:center;vertical-align:top;font-size:11px}
        .gallery img{width:128px;height:128px;image-rendering:pixelated;display:block;margin:auto}
        .notes li{color:#7a4b00}.conv dt{font-weight:bold}.conv dd{margin:0 0 6px 16px}
        """;

    /// <summary>Renders the page.</summary>
    public static string Render(EvaluationResult result)
    {
        var sb = new StringBuilder();
        var title = $"Ocular evaluation — {result.Architecture} on {result.Info.Data} ({result.Info.Split}, {result.Images.Count} images)";
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>");
        sb.Append($"<title>{E(title)}</title><style>{Css}</style></head><body>\n");
        sb.Append($"<h1>{E(title)}</h1>\n");
        Settings(sb, result);
        Table(sb, result);
        Notes(sb, result);
        Conventions(sb, result);
        Curves(sb, result);
        RoadCharts(sb, result);
        Sanity(sb, result);
        Gallery(sb, result);
        Extremes(sb, result);
        sb.Append("</body></html>\n");
        return sb.ToString();
    }

    /// <summary>A value as the table shows it (units decide the decimals).</summary>
    public static string Format(double value, string unit) =>
        double.IsNaN(value) ? "—" : value.ToString(unit switch { "%" => "0.00", "AUC" => "0.0000", _ => "0.000" }, CultureInfo.InvariantCulture);

    private static string E(string text) => Html.Escape(text);

    private static void Settings(StringBuilder sb, EvaluationResult r)
    {
        var s = r.Settings;
        string Ints(IEnumerable<int> v) => string.Join(", ", v);
        var rows = new List<(string, string)>
        {
            ("model", r.Info.Model), ("architecture", r.Architecture), ("data", r.Info.Data), ("split", r.Info.Split),
            ("images", r.Images.Count.ToString(CultureInfo.InvariantCulture)), ("input", $"{r.InputSize.Height}×{r.InputSize.Width}"),
            ("clean top-1 / top-5", r.CleanTop1 is null ? "no labels" : $"{Format(r.CleanTop1.Value, "%")} % / {Format(r.CleanTop5!.Value, "%")} %"),
            ("keep levels", Ints(s.KeepPercent) + " % kept"),
            ("deletion/insertion", $"{r.Step} px per step, {(r.InputSize.Height * r.InputSize.Width + r.Step - 1) / r.Step} steps"),
            ("ROAD", Ints(s.RoadPercent) + " % removed"), ("seed", s.Seed.ToString(CultureInfo.InvariantCulture)),
            ("methods", string.Join(", ", r.Methods.Select(m => $"{m.Name} ({m.Source})"))),
            ("precision", $"metrics {r.ScoringPrecision}" + string.Concat(r.MethodPrecisions.Select(p => $"; {p.Key} {p.Value}"))),
        };
        sb.Append("<h2>Settings</h2><table class=\"meta\"><tbody>");
        foreach (var (k, v) in rows) sb.Append($"<tr><th class=\"name\">{E(k)}</th><td>{E(v)}</td></tr>");
        sb.Append("</tbody></table>\n");
    }

    private static void Table(StringBuilder sb, EvaluationResult r)
    {
        sb.Append("<h2>Results</h2><table class=\"results\"><thead><tr><th class=\"name\">method</th>");
        foreach (var c in r.Columns) sb.Append($"<th title=\"{E(c.Key)} ({E(c.Unit)})\">{E(c.Label)} {c.Arrow}</th>");
        sb.Append("</tr></thead><tbody>");
        var best = r.Columns.ToDictionary(c => c.Key, c => r.BestMethods(c.Key));
        for (var m = 0; m < r.Methods.Count; m++)
        {
            sb.Append($"<tr><td class=\"name\">{E(r.Methods[m].Name)}</td>");
            foreach (var c in r.Columns)
                sb.Append($"<td{(best[c.Key].Contains(m) ? " class=\"best\"" : "")}>{E(Format(r.Methods[m].Summary[c.Key], c.Unit))}</td>");
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table><p>↑ higher is better, ↓ lower is better; the best value of each column (and any tie) is in bold. Columns: ");
        sb.Append(E(string.Join("; ", r.Columns.Select(c => $"{c.Label} = {c.Key} [{c.Unit}]"))));
        sb.Append(".</p>\n");
    }

    private static void Notes(StringBuilder sb, EvaluationResult r)
    {
        if (r.Notes.Count == 0) return;
        sb.Append("<h2>Notes</h2><ul class=\"notes\">");
        foreach (var n in r.Notes) sb.Append($"<li>{E(n)}</li>");
        sb.Append("</ul>\n");
    }

    private static void Conventions(StringBuilder sb, EvaluationResult r)
    {
        sb.Append("<h2>Conventions</h2><dl class=\"conv\">");
        foreach (var m in MetricCatalog.All.Where(m => r.Metrics.Contains(m.Name)))
            sb.Append($"<dt>{E(m.Name)} — {E(m.Title)} [{E(m.Unit)}]</dt><dd>{E(m.Convention)}</dd>");
        sb.Append("</dl>\n");
    }

    private static void Curves(StringBuilder sb, EvaluationResult r)
    {
        var kinds = new[] { ("deletion", "Deletion (mean curve, lower AUC is better)"), ("insertion", "Insertion (mean curve, higher AUC is better)") };
        var charts = new List<string>();
        foreach (var (kind, title) in kinds)
        {
            var series = r.Methods.Select(m => (m.Name, Curve: kind == "deletion" ? m.DeletionCurve : m.InsertionCurve))
                .Where(s => s.Curve is not null)
                .Select(s => new SvgChart.Series($"{s.Name} ({Format(r.Methods.First(m => m.Name == s.Name).Summary[kind], "AUC")})",
                    s.Curve!.Select((_, k) => (double)k / (s.Curve!.Length - 1)).ToList(), s.Curve!.Select(v => (double)v).ToList()))
                .ToList();
            if (series.Count > 0)
                charts.Add(SvgChart.Lines(title, kind == "deletion" ? "fraction of pixels deleted" : "fraction of pixels inserted", "p(class)", series, (0, 1), (0, 1)));
        }
        if (charts.Count == 0) return;
        sb.Append("<h2>Deletion and insertion</h2><div>").Append(string.Join("", charts)).Append("</div>\n");
    }

    private static void RoadCharts(StringBuilder sb, EvaluationResult r)
    {
        if (r.Methods.All(m => m.RoadMorf is null)) return;
        var charts = new[] { ("MoRF (lower is better)", (Func<MethodResult, IReadOnlyList<(int Percent, double Value)>?>)(m => m.RoadMorf)), ("LeRF (higher is better)", m => m.RoadLerf) }
            .Select(x => SvgChart.Lines("ROAD " + x.Item1, "% of pixels removed", "% keeping the top-1",
                r.Methods.Where(m => x.Item2(m) is not null).Select(m => new SvgChart.Series(m.Name,
                    x.Item2(m)!.Select(p => (double)p.Percent).ToList(), x.Item2(m)!.Select(p => p.Value).ToList())).ToList(), (0, 100), (0, 100)));
        sb.Append("<h2>ROAD</h2><div>").Append(string.Join("", charts)).Append("</div>\n");
    }

    private static void Sanity(StringBuilder sb, EvaluationResult r)
    {
        var with = r.Methods.Where(m => m.Sanity is not null).ToList();
        if (with.Count == 0) return;
        var layers = with[0].Sanity!.Layers.Select(l => l.Layer).ToList();
        var series = with.Select(m => new SvgChart.Series(m.Name,
            m.Sanity!.Layers.Select((_, k) => (double)k).ToList(), m.Sanity.Layers.Select(l => l.Mean).ToList())).ToList();
        sb.Append("<h2>Sanity check: cascading randomisation</h2><div>");
        sb.Append(SvgChart.Lines("Spearman ρ between trained and randomised maps", "layers randomised, top down (cumulative)", "mean ρ",
            series, (0, Math.Max(1, layers.Count - 1)), (-0.2, 1), layers));
        sb.Append("</div><table><thead><tr><th class=\"name\">layer</th>");
        foreach (var m in with) sb.Append($"<th>{E(m.Name)}</th>");
        sb.Append("</tr></thead><tbody>");
        for (var k = 0; k < layers.Count; k++)
        {
            sb.Append($"<tr><td class=\"name\">{E(layers[k])}</td>");
            foreach (var m in with) sb.Append($"<td>{E(Format(m.Sanity!.Layers[k].Mean, "ρ"))}</td>");
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table>\n");
    }

    private static string Caption(EvaluationResult r, ImageRecord image)
    {
        string Class(long k) => k >= 0 && k < r.ClassNames.Count ? r.ClassNames[(int)k] : k.ToString(CultureInfo.InvariantCulture);
        var label = image.Label >= 0 ? $"label {Class(image.Label)}, " : "";
        return $"#{image.Index}: {label}predicted {Class(image.Predicted)} ({image.Confidence.ToString("0.000", CultureInfo.InvariantCulture)})";
    }

    private static string Img(byte[] png, string alt) => $"<img src=\"{Html.PngDataUri(png)}\" alt=\"{E(alt)}\"/>";

    private static void Gallery(StringBuilder sb, EvaluationResult r)
    {
        if (r.Gallery.Count == 0) return;
        sb.Append("<h2>Gallery</h2><table class=\"gallery\"><thead><tr><th>image</th>");
        foreach (var m in r.Methods) sb.Append($"<th>{E(m.Name)}</th>");
        sb.Append("</tr></thead><tbody>");
        foreach (var item in r.Gallery)
        {
            var caption = Caption(r, item.Image);
            sb.Append($"<tr><td>{Img(item.ImagePng, caption)}{E(caption)}</td>");
            foreach (var m in r.Methods) sb.Append($"<td>{Img(item.Overlays[m.Name], $"{m.Name} on image {item.Image.Index}")}</td>");
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table>\n");
    }

    private static void Extremes(StringBuilder sb, EvaluationResult r)
    {
        if (r.Extremes.Count == 0) return;
        sb.Append("<h2>Best and worst images per metric</h2>");
        foreach (var column in r.Columns.Where(c => r.Extremes.Any(x => x.Column == c.Key)))
        {
            sb.Append($"<h3>{E(column.Label)} {column.Arrow}</h3><table class=\"gallery\"><thead><tr><th>method</th><th>best</th><th>worst</th></tr></thead><tbody>");
            foreach (var m in r.Methods)
            {
                sb.Append($"<tr><td class=\"name\">{E(m.Name)}</td>");
                foreach (var best in new[] { true, false })
                {
                    var x = r.Extremes.FirstOrDefault(e => e.Column == column.Key && e.Method == m.Name && e.Best == best);
                    if (x is null) { sb.Append("<td>—</td>"); continue; }
                    var caption = $"{Caption(r, x.Image)}; {column.Label} = {Format(x.Value, column.Unit)}";
                    sb.Append($"<td>{Img(x.OverlayPng, caption)}{E(caption)}</td>");
                }
                sb.Append("</tr>");
            }
            sb.Append("</tbody></table>");
        }
        sb.Append('\n');
    }
}
