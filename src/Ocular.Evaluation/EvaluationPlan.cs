using System.Globalization;

namespace Ocular.Evaluation;

/// <summary>Which metrics run on this data, as which table columns, and what was skipped (and why).</summary>
internal sealed class EvaluationPlan
{
    private EvaluationPlan(HashSet<string> metrics, List<MetricColumn> columns, List<string> notes)
    {
        Metrics = metrics;
        Columns = columns;
        Notes = notes;
    }

    public HashSet<string> Metrics { get; }
    public List<MetricColumn> Columns { get; }
    public List<string> Notes { get; }

    public bool Has(string metric) => Metrics.Contains(metric);

    /// <summary>Metrics that need the masked copies of AD/IC/AG.</summary>
    public bool NeedsKeepLevels => Has("ad") || Has("ic") || Has("ag") || Has("top1") || Has("top5");

    public static EvaluationPlan Create(EvaluationSettings settings, bool hasMasks, bool hasLabels, IReadOnlyList<MethodSource> methods)
    {
        var explicitly = settings.Metrics is not null;
        var requested = (settings.Metrics ?? MetricCatalog.Defaults).Select(n => MetricCatalog.Get(n).Name).ToHashSet();
        var notes = new List<string>();
        void Unavailable(string metric, string why)
        {
            if (!requested.Remove(metric)) return;
            if (explicitly) throw new ArgumentException($"metric '{metric}' cannot run: {why}");
            notes.Add($"{metric}: skipped — {why}");
        }
        if (!hasMasks)
        {
            Unavailable("pointing", "the data set has no ground-truth masks (Shapes provides them)");
            Unavailable("ebpg", "the data set has no ground-truth masks (Shapes provides them)");
        }
        if (!hasLabels)
        {
            Unavailable("top1", "the data set has no labels");
            Unavailable("top5", "the data set has no labels");
        }
        if (requested.Contains("iou") || requested.Contains("stability"))
        {
            if (settings.Reference is null)
                throw new ArgumentException("metrics iou and stability compare every method with a reference method: name it (--reference NAME)");
            if (!methods.Any(m => m.Name == settings.Reference))
                throw new ArgumentException($"reference method '{settings.Reference}' is not among the methods evaluated ({string.Join(", ", methods.Select(m => m.Name))})");
        }
        if (requested.Contains("sanity"))
        {
            var files = methods.Where(m => m.Factory is null).Select(m => m.Name).ToList();
            if (files.Count > 0)
                notes.Add($"sanity: not computed for {string.Join(", ", files)} (maps from a file: no explainer to rerun on the randomised models)");
            notes.Add($"sanity: on the first {settings.SanityImages} images");
        }

        var columns = new List<MetricColumn>();
        var keeps = settings.KeepPercent.Distinct().ToList();
        string K(int k) => k.ToString(CultureInfo.InvariantCulture);
        foreach (var metric in MetricCatalog.Names.Where(requested.Contains))
        {
            switch (metric)
            {
                case "ad":
                    columns.AddRange(keeps.Select(k => new MetricColumn($"ad@{K(k)}", metric, $"AD {K(k)}%", MetricDirection.LowerIsBetter, "%", true)));
                    break;
                case "ic":
                    columns.AddRange(keeps.Select(k => new MetricColumn($"ic@{K(k)}", metric, $"IC {K(k)}%", MetricDirection.HigherIsBetter, "%", false)));
                    break;
                case "ag":
                    columns.AddRange(keeps.Select(k => new MetricColumn($"ag@{K(k)}", metric, $"AG {K(k)}%", MetricDirection.HigherIsBetter, "%", true)));
                    break;
                case "deletion":
                    columns.Add(new("deletion", metric, "Deletion", MetricDirection.LowerIsBetter, "AUC", true));
                    break;
                case "insertion":
                    columns.Add(new("insertion", metric, "Insertion", MetricDirection.HigherIsBetter, "AUC", true));
                    break;
                case "road":
                    columns.Add(new("road-morf", metric, "ROAD MoRF", MetricDirection.LowerIsBetter, "%", false));
                    columns.Add(new("road-lerf", metric, "ROAD LeRF", MetricDirection.HigherIsBetter, "%", false));
                    break;
                case "pointing":
                    columns.Add(new("pointing", metric, "Pointing", MetricDirection.HigherIsBetter, "%", false));
                    break;
                case "ebpg":
                    columns.Add(new("ebpg", metric, "EBPG", MetricDirection.HigherIsBetter, "%", true));
                    break;
                case "top1":
                case "top5":
                    columns.AddRange(keeps.Select(k => new MetricColumn($"{metric}@{K(k)}", metric, $"Top-{metric[3]} {K(k)}%", MetricDirection.HigherIsBetter, "%", false)));
                    break;
                case "iou":
                    columns.Add(new("iou", metric, $"IoU vs {settings.Reference}", MetricDirection.HigherIsBetter, "IoU", true));
                    break;
                case "stability":
                    columns.Add(new("stability", metric, $"Stability vs {settings.Reference}", MetricDirection.HigherIsBetter, "IoU", true));
                    break;
                case "sanity":
                    columns.Add(new("sanity", metric, "Sanity ρ", MetricDirection.LowerIsBetter, "ρ", true));
                    break;
            }
        }
        if (columns.Count == 0) throw new ArgumentException("no metric left to compute on this data set: " + string.Join("; ", notes));
        return new EvaluationPlan(requested, columns, notes);
    }
}
