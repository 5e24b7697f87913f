using Ocular.Evaluation.Metrics;

namespace Ocular.Evaluation;

/// <summary>One evaluated image.</summary>
/// <param name="Position">Its position in the evaluation (0 … N−1), the row of per-image values and of --maps files.</param>
/// <param name="Index">Its index in the data set.</param>
/// <param name="Path">Its file, when the data set has files.</param>
/// <param name="Label">Its label (−1 when unlabelled).</param>
/// <param name="Predicted">The model's top-1 class on the clean image (the class every method explains and every metric scores).</param>
/// <param name="Confidence">The softmax probability of that class on the clean image (Y).</param>
public sealed record ImageRecord(int Position, int Index, string? Path, long Label, long Predicted, double Confidence);

/// <summary>Everything measured for one method.</summary>
/// <param name="Name">The method's name.</param>
/// <param name="Source"><c>explainer</c> or <c>maps:FILE</c>.</param>
/// <param name="Summary">Column key → the aggregated value (NaN when undefined).</param>
/// <param name="PerImage">Column key → one value per image (NaN where the image does not count).</param>
/// <param name="DeletionCurve">The mean deletion curve p_0 … p_n over images, or null.</param>
/// <param name="InsertionCurve">The mean insertion curve, or null.</param>
/// <param name="RoadMorf">ROAD MoRF: percent removed → % of images keeping the clean top-1, or null.</param>
/// <param name="RoadLerf">ROAD LeRF, likewise, or null.</param>
/// <param name="Sanity">The sanity check's cascade, or null.</param>
public sealed record MethodResult(
    string Name,
    string Source,
    IReadOnlyDictionary<string, double> Summary,
    IReadOnlyDictionary<string, double[]> PerImage,
    float[]? DeletionCurve,
    float[]? InsertionCurve,
    IReadOnlyList<(int Percent, double Value)>? RoadMorf,
    IReadOnlyList<(int Percent, double Value)>? RoadLerf,
    SanityCheck.Result? Sanity);

/// <summary>One image of the report's gallery with every method's overlay.</summary>
/// <param name="Image">The image.</param>
/// <param name="ImagePng">The image as shown to the model (PNG).</param>
/// <param name="Overlays">Method → the map over the image (PNG, pytorch-grad-cam's jet overlay).</param>
public sealed record GalleryItem(ImageRecord Image, byte[] ImagePng, IReadOnlyDictionary<string, byte[]> Overlays);

/// <summary>The best or worst image of one method on one metric column.</summary>
/// <param name="Column">The column key.</param>
/// <param name="Method">The method.</param>
/// <param name="Best">Best (true) or worst (false).</param>
/// <param name="Image">The image.</param>
/// <param name="Value">Its value on the column.</param>
/// <param name="OverlayPng">The method's map over it (PNG).</param>
public sealed record ExtremeCase(string Column, string Method, bool Best, ImageRecord Image, double Value, byte[] OverlayPng);

/// <summary>What was evaluated and how (for results.json and the report).</summary>
/// <param name="Model">The model (checkpoint path or architecture).</param>
/// <param name="Data">The data-set specification.</param>
/// <param name="Split">The split.</param>
public sealed record EvaluationRunInfo(string Model, string Data, string Split);

/// <summary>The outcome of <see cref="Evaluator.Run"/>: settings, table, per-image values, curves, gallery.</summary>
public sealed record EvaluationResult
{
    /// <summary>What was evaluated.</summary>
    public required EvaluationRunInfo Info { get; init; }

    /// <summary>The architecture of the model.</summary>
    public required string Architecture { get; init; }

    /// <summary>The settings used (with defaults filled in).</summary>
    public required EvaluationSettings Settings { get; init; }

    /// <summary>The arithmetic the metrics' network passes ran in: fp32 or bf16 (<see cref="EvaluationSettings.Precision"/> resolved on the processor).</summary>
    public string ScoringPrecision { get; init; } = "fp32";

    /// <summary>The arithmetic each explainer's network passes ran in (fp32 or bf16), by method name; maps read from files and baselines without a network are absent.</summary>
    public IReadOnlyDictionary<string, string> MethodPrecisions { get; init; } = new Dictionary<string, string>();

    /// <summary>The metrics that ran.</summary>
    public required IReadOnlyList<string> Metrics { get; init; }

    /// <summary>Pixels per deletion/insertion step actually used.</summary>
    public required int Step { get; init; }

    /// <summary>The input's height and width.</summary>
    public required (int Height, int Width) InputSize { get; init; }

    /// <summary>The table's columns, in order.</summary>
    public required IReadOnlyList<MetricColumn> Columns { get; init; }

    /// <summary>One entry per method, in the order given.</summary>
    public required IReadOnlyList<MethodResult> Methods { get; init; }

    /// <summary>The evaluated images, in order.</summary>
    public required IReadOnlyList<ImageRecord> Images { get; init; }

    /// <summary>The model's class names (may be empty).</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }

    /// <summary>Clean top-1 accuracy in percent, or null without labels.</summary>
    public double? CleanTop1 { get; init; }

    /// <summary>Clean top-5 accuracy in percent, or null without labels.</summary>
    public double? CleanTop5 { get; init; }

    /// <summary>Metrics skipped or restricted, in words.</summary>
    public required IReadOnlyList<string> Notes { get; init; }

    /// <summary>The first images with every method's overlay.</summary>
    public required IReadOnlyList<GalleryItem> Gallery { get; init; }

    /// <summary>The best and worst image of every method on every graded column.</summary>
    public required IReadOnlyList<ExtremeCase> Extremes { get; init; }

    /// <summary>The positions in <see cref="Methods"/> of the best value in <paramref name="columnKey"/>'s column (every method that ties for it; empty when no value is defined).</summary>
    public IReadOnlyList<int> BestMethods(string columnKey)
    {
        var column = Columns.First(c => c.Key == columnKey);
        var best = double.NaN;
        foreach (var m in Methods)
        {
            var v = m.Summary.TryGetValue(columnKey, out var value) ? value : double.NaN;
            if (column.IsBetter(v, best)) best = v;
        }
        return double.IsNaN(best) ? [] : [.. Enumerable.Range(0, Methods.Count).Where(m => Methods[m].Summary.GetValueOrDefault(columnKey, double.NaN) == best)];
    }
}
