using System.Globalization;
using System.Text;

namespace Ocular.Evaluation.Reports;

/// <summary>
/// Line charts as inline SVG (no script, no external resource, well-formed XML): the report's deletion and
/// insertion curves, ROAD by percentage and the sanity check's cascade.
/// </summary>
public static class SvgChart
{
    /// <summary>One line of a chart.</summary>
    /// <param name="Name">The legend's text.</param>
    /// <param name="X">The x coordinates.</param>
    /// <param name="Y">The y coordinates (NaN points are skipped).</param>
    public sealed record Series(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y);

    /// <summary>The colours of the lines, in method order (Tableau 10).</summary>
    public static readonly string[] Palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

    private const int Width = 460, Height = 280, Left = 52, Right = 130, Top = 28, Bottom = 42;

    /// <summary>Draws the series in one chart with axes from (xMin, yMin) to (xMax, yMax).</summary>
    /// <param name="title">Shown above the plot.</param>
    /// <param name="xLabel">The x axis's label.</param>
    /// <param name="yLabel">The y axis's label.</param>
    /// <param name="series">The lines (colour by position).</param>
    /// <param name="xRange">The x axis range.</param>
    /// <param name="yRange">The y axis range.</param>
    /// <param name="xTickLabels">Labels of integer x positions 0, 1, … instead of numbers (e.g. layer names), or null.</param>
    public static string Lines(string title, string xLabel, string yLabel, IReadOnlyList<Series> series,
        (double Min, double Max) xRange, (double Min, double Max) yRange, IReadOnlyList<string>? xTickLabels = null)
    {
        var (plotW, plotH) = (Width - Left - Right, Height - Top - Bottom);
        var xSpan = xRange.Max > xRange.Min ? xRange.Max - xRange.Min : 1;
        var ySpan = yRange.Max > yRange.Min ? yRange.Max - yRange.Min : 1;
        double Px(double x) => Left + (x - xRange.Min) / xSpan * plotW;
        double Py(double y) => Top + plotH - (y - yRange.Min) / ySpan * plotH;
        var sb = new StringBuilder();
        sb.Append($"<svg class=\"chart\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"{Html.Escape(title)}\">");
        sb.Append($"<title>{Html.Escape(title)}</title>");
        sb.Append($"<text x=\"{Left}\" y=\"16\" class=\"ct\">{Html.Escape(title)}</text>");
        sb.Append($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{plotW}\" height=\"{plotH}\" fill=\"none\" stroke=\"#999\"/>");
        for (var t = 0; t <= 4; t++)
        {
            var y = yRange.Min + ySpan * t / 4;
            sb.Append($"<line x1=\"{Left - 4}\" x2=\"{Left + plotW}\" y1=\"{F(Py(y))}\" y2=\"{F(Py(y))}\" stroke=\"#ddd\"/>");
            sb.Append($"<text x=\"{Left - 6}\" y=\"{F(Py(y) + 4)}\" text-anchor=\"end\">{Html.Escape(Tick(y))}</text>");
        }
        if (xTickLabels is null)
        {
            for (var t = 0; t <= 4; t++)
            {
                var x = xRange.Min + xSpan * t / 4;
                sb.Append($"<text x=\"{F(Px(x))}\" y=\"{Top + plotH + 14}\" text-anchor=\"middle\">{Html.Escape(Tick(x))}</text>");
            }
        }
        else
        {
            for (var t = 0; t < xTickLabels.Count; t++)
                sb.Append($"<text x=\"{F(Px(t))}\" y=\"{Top + plotH + 10}\" text-anchor=\"end\" transform=\"rotate(-35 {F(Px(t))} {Top + plotH + 10})\" class=\"small\">{Html.Escape(xTickLabels[t])}</text>");
        }
        sb.Append($"<text x=\"{Left + plotW / 2}\" y=\"{Height - 4}\" text-anchor=\"middle\">{Html.Escape(xLabel)}</text>");
        sb.Append($"<text x=\"12\" y=\"{Top + plotH / 2}\" text-anchor=\"middle\" transform=\"rotate(-90 12 {Top + plotH / 2})\">{Html.Escape(yLabel)}</text>");
        for (var s = 0; s < series.Count; s++)
        {
            var colour = Palette[s % Palette.Length];
            var points = string.Join(' ', series[s].X.Zip(series[s].Y).Where(p => !double.IsNaN(p.Second)).Select(p => $"{F(Px(p.First))},{F(Py(p.Second))}"));
            sb.Append($"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.6\" points=\"{points}\"/>");
            var ly = Top + 8 + 16 * s;
            sb.Append($"<line x1=\"{Left + plotW + 10}\" x2=\"{Left + plotW + 26}\" y1=\"{ly}\" y2=\"{ly}\" stroke=\"{colour}\" stroke-width=\"3\"/>");
            sb.Append($"<text x=\"{Left + plotW + 30}\" y=\"{ly + 4}\">{Html.Escape(series[s].Name)}</text>");
        }
        sb.Append("</svg>");
        return sb.ToString();
    }

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Tick(double v) => v.ToString(Math.Abs(v) >= 10 || v == Math.Round(v) ? "0.#" : "0.##", CultureInfo.InvariantCulture);
}
