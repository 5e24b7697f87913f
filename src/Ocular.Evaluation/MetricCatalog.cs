namespace Ocular.Evaluation;

/// <summary>Whether a larger or a smaller value of a metric is better.</summary>
public enum MetricDirection
{
    /// <summary>↑: larger is better.</summary>
    HigherIsBetter,
    /// <summary>↓: smaller is better.</summary>
    LowerIsBetter,
}

/// <summary>A metric as <c>ocular evaluate --metrics</c> names it.</summary>
/// <param name="Name">The command line's name (<c>ad</c>, <c>deletion</c>, …).</param>
/// <param name="Title">A short human title.</param>
/// <param name="Unit">The unit of its values (<c>%</c>, <c>AUC</c>, <c>ρ</c>, <c>IoU</c>).</param>
/// <param name="Convention">One sentence: masking space, kept or removed, soft or binary, class scored, aggregation.</param>
/// <param name="Default">Whether it runs when <c>--metrics</c> is not given.</param>
public sealed record MetricInfo(string Name, string Title, string Unit, string Convention, bool Default);

/// <summary>One column of the methods × metrics table: a metric at one setting (e.g. AD at 15 % kept).</summary>
/// <param name="Key">The column's key in results.json and results.csv (<c>ad@15</c>, <c>deletion</c>, <c>road-morf</c>).</param>
/// <param name="Metric">The metric it comes from.</param>
/// <param name="Label">The table header without the arrow (<c>AD 15%</c>).</param>
/// <param name="Direction">Whether larger or smaller is better.</param>
/// <param name="Unit">The unit of the values.</param>
/// <param name="Continuous">Whether per-image values are graded (so that best and worst images mean something).</param>
public sealed record MetricColumn(string Key, string Metric, string Label, MetricDirection Direction, string Unit, bool Continuous)
{
    /// <summary>↑ or ↓.</summary>
    public string Arrow => Direction == MetricDirection.HigherIsBetter ? "↑" : "↓";

    /// <summary>Whether <paramref name="a"/> is better than <paramref name="b"/> (NaN is never better).</summary>
    public bool IsBetter(double a, double b) =>
        !double.IsNaN(a) && (double.IsNaN(b) || (Direction == MetricDirection.HigherIsBetter ? a > b : a < b));
}

/// <summary>An unknown metric name; the message lists the valid ones.</summary>
public sealed class UnknownMetricException(string name, IEnumerable<string> valid)
    : ArgumentException($"unknown metric '{name}'; valid metrics: {string.Join(", ", valid)}")
{
    /// <summary>The name that was asked for.</summary>
    public string Name { get; } = name;
}

/// <summary>
/// Every metric <c>ocular evaluate</c> computes, with its convention (docs/metrics.md). Percentages are
/// percent of images (IC, top-k, ROAD, pointing) or mean relative changes in percent (AD, AG); deletion
/// and insertion are areas under the probability curve; the sanity check is a rank correlation.
/// </summary>
public static class MetricCatalog
{
    /// <summary>The metrics, in table order.</summary>
    public static IReadOnlyList<MetricInfo> All { get; } =
    [
        new("ad", "Average Drop", "%", "top keep% of the map kept with soft values, multiplied into the raw [0,1] image, then normalised; softmax of the clean top-1 class; mean of max(0, Y−O)/Y", true),
        new("ic", "Increase in Confidence", "%", "as AD; percentage of images with O > Y (strict)", true),
        new("ag", "Average Gain", "%", "as AD; mean of max(0, O−Y)/(1−Y)", true),
        new("deletion", "Deletion AUC", "AUC", "most salient pixels set to 0 in the normalised input first, step pixels per step (binary, stable order); softmax of the clean top-1; trapezoid AUC, mean over images", true),
        new("insertion", "Insertion AUC", "AUC", "most salient pixels revealed first over RISE's blurred copy, in the normalised input; trapezoid AUC, mean over images", true),
        new("road", "ROAD (MoRF, LeRF)", "%", "q% of pixels removed (most or least relevant first, binary), noisy linear imputation of the raw image, then normalised; % of images keeping the clean top-1, mean over q", true),
        new("pointing", "Pointing game", "%", "argmax of the map within 15 px of the ground-truth mask; hits/(hits+misses) per category (label), mean over categories", true),
        new("ebpg", "Energy-based pointing game", "%", "share of the map's energy inside the ground-truth mask, mean over images", true),
        new("top1", "Top-1 accuracy of masked images", "%", "top-1 against the label on the images masked as for AD, at each keep level", true),
        new("top5", "Top-5 accuracy of masked images", "%", "top-5 against the label on the images masked as for AD, at each keep level", true),
        new("iou", "Percentile IoU against a reference", "IoU", "each map binarised above its own percentile, IoU with the reference method's map, mean over images", false),
        new("stability", "Stability IoU against a reference", "IoU", "min–max, binarised at > t/255, IoU with the reference method's map per image, mean over images", false),
        new("sanity", "Sanity check (cascading randomisation)", "ρ", "Spearman ρ (average ranks) between the trained and the cascade-randomised model's maps, mean over images, mean over the cascade", false),
    ];

    /// <summary>The metric names, in table order.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(m => m.Name)];

    /// <summary>The metrics run when none are named.</summary>
    public static IReadOnlyList<string> Defaults { get; } = [.. All.Where(m => m.Default).Select(m => m.Name)];

    /// <summary>The metric called <paramref name="name"/>.</summary>
    /// <exception cref="UnknownMetricException">No such metric.</exception>
    public static MetricInfo Get(string name) =>
        All.FirstOrDefault(m => m.Name == name.Trim().ToLowerInvariant()) ?? throw new UnknownMetricException(name, Names);

    /// <summary>Parses a comma-separated list (<c>ad,ic,deletion</c>) into known names, in the order given, without repeats.</summary>
    /// <exception cref="UnknownMetricException">A name is unknown.</exception>
    public static IReadOnlyList<string> Parse(string list)
    {
        var names = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(n => Get(n).Name).Distinct().ToList();
        if (names.Count == 0) throw new ArgumentException($"no metric named; valid metrics: {string.Join(", ", Names)}");
        return names;
    }
}
