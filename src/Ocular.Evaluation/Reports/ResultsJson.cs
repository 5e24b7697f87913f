using System.Text.Json;

namespace Ocular.Evaluation.Reports;

/// <summary>
/// results.json: the run's settings and conventions, and every aggregated result.
/// <code>
/// { "format": "ocular.evaluation/1", "ocular_version", "torch_version",
///   "settings": { "model", "architecture", "data", "split", "images", "input_size": [H, W], "metrics", "keep_percent",
///                 "step", "steps", "road_percent", "seed", "batch_size", "chunk_size", "pointing_tolerance", "normalize_maps",
///                 "reference", "iou_percentile", "stability_threshold", "sanity_images",
///                 "precision": "fp32"|"bf16"|"auto" (asked), "scoring_precision": "fp32"|"bf16" (what the metrics ran in) },
///   "conventions": { metric: { "title", "unit", "convention" } },
///   "columns": [ { "key", "metric", "label", "direction": "higher"|"lower", "unit" } ],
///   "clean": { "top1", "top5" },
///   "methods": [ { "name", "source", "precision": "fp32"|"bf16"|null (maps from a file), "results": { column key: value },
///                  "curves": { "deletion": [p_0 … p_n], "insertion": [...] },
///                  "road": { "morf": { "10": %, … }, "lerf": { … } },
///                  "sanity": [ { "layer", "rho" } ] } ],
///   "notes": [ ... ] }
/// </code>
/// Undefined values (NaN) are written as null. Per-image values are in results.csv.
/// </summary>
public static class ResultsJson
{
    /// <summary>The format tag.</summary>
    public const string FormatTag = "ocular.evaluation/1";

    /// <summary>Renders the document (indented UTF-8 JSON).</summary>
    public static string Render(EvaluationResult result) => JsonReport.Render(FormatTag, w =>
        {
            var s = result.Settings;

            w.WriteStartObject("settings");
            w.WriteString("model", result.Info.Model);
            w.WriteString("architecture", result.Architecture);
            w.WriteString("data", result.Info.Data);
            w.WriteString("split", result.Info.Split);
            w.WriteNumber("images", result.Images.Count);
            Ints(w, "input_size", [result.InputSize.Height, result.InputSize.Width]);
            w.WriteStartArray("metrics");
            foreach (var m in result.Metrics) w.WriteStringValue(m);
            w.WriteEndArray();
            Ints(w, "keep_percent", s.KeepPercent);
            w.WriteNumber("step", result.Step);
            w.WriteNumber("steps", (result.InputSize.Height * result.InputSize.Width + result.Step - 1) / result.Step);
            Ints(w, "road_percent", s.RoadPercent);
            w.WriteNumber("seed", s.Seed);
            w.WriteNumber("batch_size", s.BatchSize);
            w.WriteNumber("chunk_size", s.ChunkSize);
            w.WriteNumber("pointing_tolerance", s.PointingTolerance);
            w.WriteBoolean("normalize_maps", s.NormalizeMaps);
            if (s.Reference is null) w.WriteNull("reference"); else w.WriteString("reference", s.Reference);
            w.WriteNumber("iou_percentile", s.IouPercentile);
            w.WriteNumber("stability_threshold", s.StabilityThreshold);
            w.WriteNumber("sanity_images", s.SanityImages);
            w.WriteString("precision", s.Precision.ToString().ToLowerInvariant());
            w.WriteString("scoring_precision", result.ScoringPrecision);
            w.WriteEndObject();

            w.WriteStartObject("conventions");
            foreach (var m in MetricCatalog.All.Where(m => result.Metrics.Contains(m.Name)))
            {
                w.WriteStartObject(m.Name);
                w.WriteString("title", m.Title);
                w.WriteString("unit", m.Unit);
                w.WriteString("convention", m.Convention);
                w.WriteEndObject();
            }
            w.WriteEndObject();

            w.WriteStartArray("columns");
            foreach (var c in result.Columns)
            {
                w.WriteStartObject();
                w.WriteString("key", c.Key);
                w.WriteString("metric", c.Metric);
                w.WriteString("label", c.Label);
                w.WriteString("direction", c.Direction == MetricDirection.HigherIsBetter ? "higher" : "lower");
                w.WriteString("unit", c.Unit);
                w.WriteEndObject();
            }
            w.WriteEndArray();

            w.WriteStartObject("clean");
            Number(w, "top1", result.CleanTop1 ?? double.NaN);
            Number(w, "top5", result.CleanTop5 ?? double.NaN);
            w.WriteEndObject();

            w.WriteStartArray("methods");
            foreach (var m in result.Methods) Method(w, m, result);
            w.WriteEndArray();

            w.WriteStartArray("notes");
            foreach (var n in result.Notes) w.WriteStringValue(n);
            w.WriteEndArray();
        });

    private static void Method(Utf8JsonWriter w, MethodResult m, EvaluationResult result)
    {
        w.WriteStartObject();
        w.WriteString("name", m.Name);
        w.WriteString("source", m.Source);
        if (result.MethodPrecisions.TryGetValue(m.Name, out var precision)) w.WriteString("precision", precision); else w.WriteNull("precision");
        w.WriteStartObject("results");
        foreach (var c in result.Columns) Number(w, c.Key, m.Summary[c.Key]);
        w.WriteEndObject();
        w.WriteStartObject("curves");
        if (m.DeletionCurve is { } d) Floats(w, "deletion", d);
        if (m.InsertionCurve is { } i) Floats(w, "insertion", i);
        w.WriteEndObject();
        if (m.RoadMorf is not null && m.RoadLerf is not null)
        {
            w.WriteStartObject("road");
            foreach (var (name, values) in new[] { ("morf", m.RoadMorf), ("lerf", m.RoadLerf) })
            {
                w.WriteStartObject(name);
                foreach (var (p, v) in values) Number(w, p.ToString(System.Globalization.CultureInfo.InvariantCulture), v);
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        if (m.Sanity is { } sanity)
        {
            w.WriteStartArray("sanity");
            foreach (var layer in sanity.Layers)
            {
                w.WriteStartObject();
                w.WriteString("layer", layer.Layer);
                Number(w, "rho", layer.Mean);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    private static void Number(Utf8JsonWriter w, string name, double value) => JsonReport.Number(w, name, value);

    private static void Ints(Utf8JsonWriter w, string name, IEnumerable<int> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteNumberValue(v);
        w.WriteEndArray();
    }

    private static void Floats(Utf8JsonWriter w, string name, float[] values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteNumberValue(Math.Round((double)v, 7));
        w.WriteEndArray();
    }
}
