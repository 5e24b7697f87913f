using System.Globalization;
using System.Text;

namespace Ocular.Evaluation.Reports;

/// <summary>
/// results.csv: one long table that pandas reads as it is (<c>pd.read_csv("results.csv")</c>), columns
/// <c>scope,method,metric,position,index,path,value</c>:
/// <list type="bullet">
/// <item><c>scope = summary</c>: one row per method and column key (<c>ad@15</c>, <c>deletion</c>, …), the
/// aggregated value; also ROAD per percentage (<c>road-morf@30</c>), the sanity check per layer
/// (<c>sanity@layer4.2</c>), and the model's clean accuracy (method <c>(model)</c>, metric <c>top1</c>/<c>top5</c>).</item>
/// <item><c>scope = image</c>: one row per method, column and image: <c>position</c> (0 … N−1, the row
/// of a --maps file), the data-set <c>index</c>, the file <c>path</c> (empty when none), the value.
/// Images that do not count for a metric (empty mask, sanity beyond its images) have no row.</item>
/// </list>
/// Numbers use invariant culture with round-trip precision; an undefined summary is <c>NaN</c>.
/// Fields containing commas, quotes or line breaks are quoted (RFC 4180).
/// </summary>
public static class ResultsCsv
{
    /// <summary>The header line's columns.</summary>
    public static readonly string[] Header = ["scope", "method", "metric", "position", "index", "path", "value"];

    /// <summary>Renders the table.</summary>
    public static string Render(EvaluationResult result)
    {
        var sb = new StringBuilder();
        sb.Append(string.Join(',', Header)).Append('\n');
        void Row(string scope, string method, string metric, ImageRecord? image, double value) =>
            sb.Append(scope).Append(',').Append(Field(method)).Append(',').Append(Field(metric)).Append(',')
              .Append(image is null ? "" : image.Position.ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(image is null ? "" : image.Index.ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(Field(image?.Path ?? "")).Append(',').Append(Number(value)).Append('\n');

        if (result.CleanTop1 is { } top1) Row("summary", "(model)", "top1", null, top1);
        if (result.CleanTop5 is { } top5) Row("summary", "(model)", "top5", null, top5);
        foreach (var method in result.Methods)
        {
            foreach (var column in result.Columns) Row("summary", method.Name, column.Key, null, method.Summary[column.Key]);
            foreach (var (p, v) in method.RoadMorf ?? []) Row("summary", method.Name, $"road-morf@{p}", null, v);
            foreach (var (p, v) in method.RoadLerf ?? []) Row("summary", method.Name, $"road-lerf@{p}", null, v);
            foreach (var layer in method.Sanity?.Layers ?? []) Row("summary", method.Name, $"sanity@{layer.Layer}", null, layer.Mean);
        }
        foreach (var method in result.Methods)
            foreach (var column in result.Columns)
            {
                var values = method.PerImage[column.Key];
                for (var i = 0; i < values.Length; i++)
                    if (!double.IsNaN(values[i])) Row("image", method.Name, column.Key, result.Images[i], values[i]);
            }
        return sb.ToString();
    }

    /// <summary>A number in invariant culture, round-trip precision; NaN as <c>NaN</c>.</summary>
    public static string Number(double value) =>
        double.IsNaN(value) ? "NaN" : value.ToString("R", CultureInfo.InvariantCulture);

    internal static string Field(string text) =>
        text.AsSpan().IndexOfAny(",\"\r\n") < 0 ? text : "\"" + text.Replace("\"", "\"\"") + "\"";
}
