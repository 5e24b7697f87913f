using System.Globalization;
using System.Text;

namespace Ocular.Evaluation.Reports;

/// <summary>
/// Charts as inline SVG (no script, no external resource, well-formed XML): line charts for the report's deletion and
/// insertion curves, ROAD by percentage and the sanity check's cascade; bar charts for the stability study's pairs.
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
        var plot = new Plot(Width, Height, Width - Left - Right, Height - Top - Bottom);
        var xSpan = xRange.Max > xRange.Min ? xRange.Max - xRange.Min : 1;
        double Px(double x) => Left + (x - xRange.Min) / xSpan * plot.W;
        var sb = new StringBuilder();
        var py = Frame(sb, title, plot, yRange);
        if (xTickLabels is null)
        {
            for (var t = 0; t <= 4; t++)
            {
                var x = xRange.Min + xSpan * t / 4;
                sb.Append($"<text x=\"{F(Px(x))}\" y=\"{Top + plot.H + 14}\" text-anchor=\"middle\">{Html.Escape(Tick(x))}</text>");
            }
        }
        else
        {
            for (var t = 0; t < xTickLabels.Count; t++) SlantedLabel(sb, Px(t), plot, xTickLabels[t]);
        }
        AxisLabels(sb, xLabel, yLabel, plot);
        for (var s = 0; s < series.Count; s++)
        {
            var colour = Palette[s % Palette.Length];
            var points = string.Join(' ', series[s].X.Zip(series[s].Y).Where(p => !double.IsNaN(p.Second)).Select(p => $"{F(Px(p.First))},{F(py(p.Second))}"));
            sb.Append($"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.6\" points=\"{points}\"/>");
            var ly = Top + 8 + 16 * s;
            sb.Append($"<line x1=\"{Left + plot.W + 10}\" x2=\"{Left + plot.W + 26}\" y1=\"{ly}\" y2=\"{ly}\" stroke=\"{colour}\" stroke-width=\"3\"/>");
            sb.Append($"<text x=\"{Left + plot.W + 30}\" y=\"{ly + 4}\">{Html.Escape(series[s].Name)}</text>");
        }
        sb.Append("</svg>");
        return sb.ToString();
    }

    /// <summary>
    /// Draws one bar per entry, left to right, from the bottom of the y range, with its value above it and its label
    /// slanted under the axis; the chart widens with the number of bars and deepens with the longest label.
    /// </summary>
    /// <param name="title">Shown above the plot.</param>
    /// <param name="xLabel">The x axis's label.</param>
    /// <param name="yLabel">The y axis's label.</param>
    /// <param name="bars">The bars' labels and values (a NaN bar is left empty).</param>
    /// <param name="yRange">The y axis range (values outside it are drawn at its edge).</param>
    /// <param name="valueFormat">How the value above a bar is written (a .NET numeric format).</param>
    public static string Bars(string title, string xLabel, string yLabel, IReadOnlyList<(string Label, double Value)> bars,
        (double Min, double Max) yRange, string valueFormat = "0.000")
    {
        const int slot = 44, right = 20;
        var width = Math.Max(Width - Right + right, Left + right + slot * bars.Count);
        var height = Height + Math.Min(120, 5 * bars.Select(b => b.Label.Length).DefaultIfEmpty(0).Max());
        var plot = new Plot(width, height, width - Left - right, Height - Top - Bottom);
        var sb = new StringBuilder();
        var py = Frame(sb, title, plot, yRange);
        var step = (double)plot.W / Math.Max(1, bars.Count);
        var bottom = py(yRange.Min);
        var barWidth = Math.Min(28, step * 0.7);
        for (var i = 0; i < bars.Count; i++)
        {
            var (label, value) = bars[i];
            var centre = Left + step * (i + 0.5);
            if (!double.IsNaN(value))
            {
                var text = Html.Escape(value.ToString(valueFormat, CultureInfo.InvariantCulture));
                var top = py(Math.Clamp(value, yRange.Min, yRange.Max));
                sb.Append($"<rect x=\"{F(centre - barWidth / 2)}\" y=\"{F(top)}\" width=\"{F(barWidth)}\" height=\"{F(bottom - top)}\" fill=\"{Palette[0]}\"><title>{Html.Escape(label)}: {text}</title></rect>");
                sb.Append($"<text x=\"{F(centre)}\" y=\"{F(top - 3)}\" text-anchor=\"middle\" class=\"small\">{text}</text>");
            }
            SlantedLabel(sb, centre, plot, label);
        }
        AxisLabels(sb, xLabel, yLabel, plot);
        sb.Append("</svg>");
        return sb.ToString();
    }

    // The svg element's size and the plot area's (the plot starts at Left, Top).
    private readonly record struct Plot(int Width, int Height, int W, int H);

    // Opens the svg element and draws the title, the plot's frame and the y axis's grid and ticks; returns y → pixel.
    private static Func<double, double> Frame(StringBuilder sb, string title, Plot plot, (double Min, double Max) yRange)
    {
        var ySpan = yRange.Max > yRange.Min ? yRange.Max - yRange.Min : 1;
        double Py(double y) => Top + plot.H - (y - yRange.Min) / ySpan * plot.H;
        sb.Append($"<svg class=\"chart\" width=\"{plot.Width}\" height=\"{plot.Height}\" viewBox=\"0 0 {plot.Width} {plot.Height}\" role=\"img\" aria-label=\"{Html.Escape(title)}\">");
        sb.Append($"<title>{Html.Escape(title)}</title>");
        sb.Append($"<text x=\"{Left}\" y=\"16\" class=\"ct\">{Html.Escape(title)}</text>");
        sb.Append($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{plot.W}\" height=\"{plot.H}\" fill=\"none\" stroke=\"#999\"/>");
        for (var t = 0; t <= 4; t++)
        {
            var y = yRange.Min + ySpan * t / 4;
            sb.Append($"<line x1=\"{Left - 4}\" x2=\"{Left + plot.W}\" y1=\"{F(Py(y))}\" y2=\"{F(Py(y))}\" stroke=\"#ddd\"/>");
            sb.Append($"<text x=\"{Left - 6}\" y=\"{F(Py(y) + 4)}\" text-anchor=\"end\">{Html.Escape(Tick(y))}</text>");
        }
        return Py;
    }

    private static void SlantedLabel(StringBuilder sb, double x, Plot plot, string label) =>
        sb.Append($"<text x=\"{F(x)}\" y=\"{Top + plot.H + 10}\" text-anchor=\"end\" transform=\"rotate(-35 {F(x)} {Top + plot.H + 10})\" class=\"small\">{Html.Escape(label)}</text>");

    private static void AxisLabels(StringBuilder sb, string xLabel, string yLabel, Plot plot)
    {
        sb.Append($"<text x=\"{Left + plot.W / 2}\" y=\"{plot.Height - 4}\" text-anchor=\"middle\">{Html.Escape(xLabel)}</text>");
        sb.Append($"<text x=\"12\" y=\"{Top + plot.H / 2}\" text-anchor=\"middle\" transform=\"rotate(-90 12 {Top + plot.H / 2})\">{Html.Escape(yLabel)}</text>");
    }

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Tick(double v) => v.ToString(Math.Abs(v) >= 10 || v == Math.Round(v) ? "0.#" : "0.##", CultureInfo.InvariantCulture);
}
