using System.Globalization;
using System.Text;
using Ocular.Evaluation.Metrics;
using Ocular.Evaluation.Stability;

namespace Ocular.Evaluation.Reports;

/// <summary>
/// The stability study's report.html, self-contained and XHTML-compatible like the evaluation report (same style
/// sheet): settings, warnings, a bar chart of the mean IoU of every pair, the pairs' table, the models' table, the
/// FGSM table when asked for, and the conventions (what the IoU mode and the export mean, and what the original did).
/// </summary>
public static class StabilityHtml
{
    /// <summary>Renders the page.</summary>
    public static string Render(StabilityResult r)
    {
        var sb = new StringBuilder();
        var title = $"Ocular stability study — {r.Method} on {r.Data} ({r.Options.Split.ToString().ToLowerInvariant()}, {r.ImageIds.Count} images, {r.Models.Count} models)";
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>");
        sb.Append($"<title>{E(title)}</title><style>{HtmlReport.Css}</style></head><body>\n");
        sb.Append($"<h1>{E(title)}</h1>\n");
        Settings(sb, r);
        if (r.Warnings.Count > 0)
        {
            sb.Append("<h2>Warnings</h2><ul class=\"notes\">");
            foreach (var w in r.Warnings) sb.Append($"<li>{E(w)}</li>");
            sb.Append("</ul>\n");
        }
        Pairs(sb, r);
        Models(sb, r);
        Fgsm(sb, r);
        Conventions(sb, r);
        sb.Append("</body></html>\n");
        return sb.ToString();
    }

    /// <summary>A pair's name in tables and charts: <c>A – B</c>.</summary>
    public static string PairName(StabilityResult r, StabilityPair p) => $"{r.Models[p.A].Label} – {r.Models[p.B].Label}";

    private static string E(string text) => Html.Escape(text);

    private static string N(double? value, string unit = "") => value is { } v ? HtmlReport.Format(v, unit) : "—";

    private static void Settings(StringBuilder sb, StabilityResult r)
    {
        var o = r.Options;
        var rows = new List<(string, string)>
        {
            ("method", r.Method), ("data", r.Data), ("split", o.Split.ToString().ToLowerInvariant()),
            ("images", r.ImageIds.Count.ToString(CultureInfo.InvariantCulture)), ("input", $"{r.InputSize.Height}×{r.InputSize.Width}"),
            ("threshold", $"{o.Threshold} (0–255 scale)"), ("IoU mode", StabilityModeNames.Name(o.IoUMode)), ("export", StabilityModeNames.Name(o.Export)),
            ("pairing", "by image identifier"), ("FGSM", o.FgsmEpsilon is { } eps ? $"ε = {eps.ToString("R", CultureInfo.InvariantCulture)} in raw [0, 1] pixels" : "off"),
            ("mean over pairs", $"IoU {N(r.MeanIoU)}, Dice {N(r.MeanDice)} ({r.Pairs.Count} pairs)"),
        };
        sb.Append("<h2>Settings</h2><table class=\"meta\"><tbody>");
        foreach (var (k, v) in rows) sb.Append($"<tr><th class=\"name\">{E(k)}</th><td>{E(v)}</td></tr>");
        sb.Append("</tbody></table>\n");
    }

    private static void Pairs(StringBuilder sb, StabilityResult r)
    {
        sb.Append("<h2>Pairs</h2><div>");
        sb.Append(SvgChart.Bars("Mean IoU per pair (higher: more stable)", "pair of models", "mean IoU",
            [.. r.Pairs.Select(p => (PairName(r, p), p.MeanIoU))], (0, 1)));
        sb.Append("</div><table><thead><tr><th class=\"name\">model A</th><th class=\"name\">model B</th><th>IoU ↑</th><th>Dice ↑</th><th>images</th></tr></thead><tbody>");
        foreach (var p in r.Pairs)
            sb.Append($"<tr><td class=\"name\">{E(r.Models[p.A].Label)}</td><td class=\"name\">{E(r.Models[p.B].Label)}</td><td>{N(p.MeanIoU)}</td><td>{N(p.MeanDice)}</td><td>{p.IoU.Length}</td></tr>");
        sb.Append($"<tr><td class=\"name\" colspan=\"2\">mean over {r.Pairs.Count} pairs</td><td class=\"best\">{N(r.MeanIoU)}</td><td>{N(r.MeanDice)}</td><td></td></tr>");
        sb.Append("</tbody></table>\n");
    }

    private static void Models(StringBuilder sb, StabilityResult r)
    {
        sb.Append("<h2>Models</h2><table><thead><tr><th class=\"name\">model</th><th class=\"name\">architecture</th><th>top-1 %</th><th class=\"name\">weights (SHA-256)</th><th class=\"name\">checkpoint</th></tr></thead><tbody>");
        foreach (var m in r.Models)
            sb.Append($"<tr><td class=\"name\">{E(m.Label)}</td><td class=\"name\">{E(m.Architecture)}</td><td>{N(m.Top1, "%")}</td><td class=\"name\" title=\"{E(m.WeightsHash)}\">{E(m.WeightsHash[..12])}…</td><td class=\"name\">{E(m.Path)}</td></tr>");
        sb.Append("</tbody></table>\n");
    }

    private static void Fgsm(StringBuilder sb, StabilityResult r)
    {
        if (r.Fgsm is not { } fgsm) return;
        sb.Append($"<h2>FGSM, ε = {E(fgsm.Epsilon.ToString("R", CultureInfo.InvariantCulture))}</h2>");
        sb.Append("<table><thead><tr><th class=\"name\">model</th><th>clean top-1 %</th><th>adversarial top-1 %</th><th>map IoU clean/adversarial ↑</th><th>map Dice ↑</th></tr></thead><tbody>");
        foreach (var m in fgsm.Models)
            sb.Append($"<tr><td class=\"name\">{E(r.Models[m.Model].Label)}</td><td>{N(m.CleanTop1, "%")}</td><td>{N(m.AdversarialTop1, "%")}</td><td>{N(m.MapIoU)}</td><td>{N(m.MapDice)}</td></tr>");
        sb.Append("</tbody></table><p>x_adv = clamp(x + ε·sign(∇ₓ CE(model(normalise(x)), y)), 0, 1) in raw [0, 1] pixels with y the true label; ")
          .Append("the original clamped the normalised input to [0, 1] (lfi-cam.md §7 defect 10). Each map is explained for the model's prediction on its own input.</p>\n");
    }

    private static void Conventions(StringBuilder sb, StabilityResult r)
    {
        var o = r.Options;
        sb.Append("<h2>Conventions</h2><dl class=\"conv\">");
        sb.Append("<dt>maps</dt><dd>").Append(E($"each model explains its predicted class with {r.Method} on the same images; maps are paired by image identifier (file, or #index), never by listing order")).Append("</dd>");
        sb.Append("<dt>export: ").Append(E(StabilityModeNames.Name(o.Export))).Append("</dt><dd>").Append(E(o.Export == ExportQuantisation.Float
            ? $"float map, min–max per image (0 if constant), binarised as m > {o.Threshold}/255"
            : $"the original's chain: ×255, PNG round trip (uint8, rounded, saturated), min–max ×256 truncated to uint8 (the maximum wraps to 0), binarised as m > {o.Threshold}")).Append("</dd>");
        sb.Append("<dt>IoU mode: ").Append(E(StabilityModeNames.Name(o.IoUMode))).Append("</dt><dd>").Append(E(o.IoUMode == IoUMode.PerImage
            ? "IoU = (|A∩B| + 1e-6)/(|A∪B| + 1e-6) over all pixels of the image; Dice = 2(|A∩B| + 1e-6)/(|A| + |B| + 1e-6); mean over images, then over pairs"
            : "the original's utils/metrics.py: per image row, counts over the row's pixels × 3 identical channels, IoU_r = (I_r + 1e-6)/(U_r + 1e-6) (a row empty in both maps scores 1), mean over rows, then images, then pairs")).Append("</dd>");
        sb.Append("</dl>\n");
    }
}
