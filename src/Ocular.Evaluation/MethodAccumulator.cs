using System.Globalization;
using Ocular.Evaluation.Metrics;
using Ocular.Torch;
using Ocular.Vision.Data;

namespace Ocular.Evaluation;

/// <summary>
/// Runs every planned metric on one method's maps, chunk after chunk, and keeps the per-image values,
/// the summed deletion/insertion curves and ROAD's per-percentage counts until the end of the data.
/// </summary>
internal sealed class MethodAccumulator
{
    private const ulong RoadStream = 0x524F4144;   // "ROAD"
    private readonly EvaluationPlan _plan;
    private readonly Dictionary<string, double[]> _perImage = [];
    private readonly int _total;
    private double[]? _deletionSum, _insertionSum;
    private readonly long[] _roadMorfKept, _roadLerfKept;

    public MethodAccumulator(MethodSource source, EvaluationPlan plan, int total, int roadPercentages)
    {
        Source = source;
        _plan = plan;
        _total = total;
        foreach (var column in plan.Columns) _perImage[column.Key] = Enumerable.Repeat(double.NaN, total).ToArray();
        _roadMorfKept = new long[roadPercentages];
        _roadLerfKept = new long[roadPercentages];
    }

    public MethodSource Source { get; }

    /// <summary>The per-image values of a column so far (NaN where not computed yet).</summary>
    public double[] Values(string column) => _perImage[column];

    /// <summary>Computes every metric of the plan on this chunk; <paramref name="reference"/> holds the reference method's maps for iou/stability.</summary>
    public void Add(ChunkContext c, Tensor maps, Tensor? reference, Action<string> activity)
    {
        if (_plan.NeedsKeepLevels) KeepLevels(c, maps, activity);
        if (_plan.Has("deletion")) _deletionSum = Curves(c, maps, DeletionInsertion.Kind.Deletion, "deletion", _deletionSum, activity);
        if (_plan.Has("insertion")) _insertionSum = Curves(c, maps, DeletionInsertion.Kind.Insertion, "insertion", _insertionSum, activity);
        if (_plan.Has("road"))
        {
            RoadOrder(c, maps, Road.Order.MostRelevantFirst, "road-morf", _roadMorfKept, activity);
            RoadOrder(c, maps, Road.Order.LeastRelevantFirst, "road-lerf", _roadLerfKept, activity);
        }
        if (_plan.Has("pointing"))
        {
            activity("pointing game");
            var categories = Categories(c);
            var hits = PointingGame.Evaluate(maps, c.Masks!, categories, c.Settings.PointingTolerance).Hits;
            Store("pointing", c, hits.Select(h => h is null ? double.NaN : h.Value ? 100.0 : 0.0));
        }
        if (_plan.Has("ebpg"))
        {
            activity("energy-based pointing game");
            Store("ebpg", c, EnergyPointingGame.Evaluate(maps, c.Masks!).Proportions.Select(p => p * 100));
        }
        if (_plan.Has("iou")) Store("iou", c, PercentileIoU.Evaluate(maps, reference!, c.Settings.IouPercentile).PerImage);
        if (_plan.Has("stability")) Store("stability", c, StabilityIoU.Evaluate(maps, reference!, c.Settings.StabilityThreshold).IoU);
    }

    /// <summary>The categories of the pointing game: the labels (the predicted class where an image is unlabelled).</summary>
    public static long[] Categories(ChunkContext c)
    {
        var labels = c.Labels.ToArray<long>();
        var predicted = c.Clean.Classes.ToArray<long>();
        return labels.Select((l, i) => l >= 0 ? l : predicted[i]).ToArray();
    }

    private void KeepLevels(ChunkContext c, Tensor maps, Action<string> activity)
    {
        foreach (var keep in c.Settings.KeepPercent.Distinct())
        {
            activity($"AD/IC/AG at {keep}% kept");
            using var result = ConfidenceChange.Evaluate(c.Scorer, c.Raw, maps, c.Clean, keep);
            var k = keep.ToString(CultureInfo.InvariantCulture);
            if (_plan.Has("ad")) Store($"ad@{k}", c, AverageDrop.PerImage(result.Clean, result.Masked).Select(v => (double)v));
            if (_plan.Has("ic")) Store($"ic@{k}", c, IncreaseInConfidence.PerImage(result.Clean, result.Masked).Select(v => (double)v));
            if (_plan.Has("ag")) Store($"ag@{k}", c, AverageGain.PerImage(result.Clean, result.Masked).Select(v => (double)v));
            if (_plan.Has("top1")) Store($"top1@{k}", c, Accuracy.PerImage(result.MaskedProbabilities, c.Labels, 1).Select(h => h ? 100.0 : 0.0));
            if (_plan.Has("top5")) Store($"top5@{k}", c, Accuracy.PerImage(result.MaskedProbabilities, c.Labels, 5).Select(h => h ? 100.0 : 0.0));
        }
    }

    private double[] Curves(ChunkContext c, Tensor maps, DeletionInsertion.Kind kind, string column, double[]? sum, Action<string> activity)
    {
        activity($"{column} ({c.Step} px per step)");
        var result = DeletionInsertion.Evaluate(c.Scorer, c.Raw, maps, c.Clean, kind, c.Step,
            i => activity($"{column} ({c.Step} px per step), image {i}/{c.Count} of the chunk"));
        sum ??= new double[result.Curves[0].Length];
        foreach (var curve in result.Curves)
            for (var k = 0; k < curve.Length; k++) sum[k] += curve[k];
        Store(column, c, result.Auc);
        return sum;
    }

    private void RoadOrder(ChunkContext c, Tensor maps, Road.Order order, string column, long[] kept, Action<string> activity)
    {
        activity(column == "road-morf" ? "ROAD, most relevant first" : "ROAD, least relevant first");
        // ROAD's noise: one generator per chunk and order, from the run's seed and the chunk's first image.
        var seed = Seeds.Derive(c.Settings.Seed, RoadStream, (ulong)order, (ulong)c.Start);
        var result = Road.Evaluate(c.Scorer, c.Raw, maps, c.Clean, order, c.Settings.RoadPercent, seed);
        for (var q = 0; q < kept.Length; q++) kept[q] += result.KeptPrediction[q].Count(k => k);
        Store(column, c, Enumerable.Range(0, c.Count).Select(i => 100.0 * result.KeptPrediction.Count(perQ => perQ[i]) / result.KeptPrediction.Length));
    }

    private void Store(string column, ChunkContext c, IEnumerable<double> values)
    {
        var target = _perImage[column];
        var i = c.Start;
        foreach (var v in values) target[i++] = v;
        if (i != c.Start + c.Count) throw new InvalidOperationException($"{column}: {i - c.Start} values for {c.Count} images");
    }

    /// <summary>The method's results over every image.</summary>
    public MethodResult Finish(long[] categories, IReadOnlyList<int> roadPercent, SanityCheck.Result? sanity)
    {
        var summary = new Dictionary<string, double>();
        if (sanity is not null)
        {
            var perImage = sanity.PerImageMean;
            Array.Copy(perImage, _perImage["sanity"], perImage.Length);
        }
        foreach (var column in _plan.Columns)
        {
            var values = _perImage[column.Key];
            summary[column.Key] = column.Key switch
            {
                "pointing" => PointingGame.Aggregate(values.Select(v => double.IsNaN(v) ? (bool?)null : v > 0).ToArray(), categories).Accuracy * 100,
                "sanity" => sanity?.MeanOverLayers ?? double.NaN,
                _ => Mean(values),
            };
        }
        float[]? MeanCurve(double[]? sum) => sum?.Select(s => (float)(s / _total)).ToArray();
        IReadOnlyList<(int, double)>? RoadCurve(long[] kept) => _plan.Has("road")
            ? roadPercent.Select((p, q) => (p, 100.0 * kept[q] / _total)).ToList() : null;
        return new MethodResult(Source.Name, Source.Describe(), summary, _perImage, MeanCurve(_deletionSum), MeanCurve(_insertionSum), RoadCurve(_roadMorfKept), RoadCurve(_roadLerfKept), sanity);
    }

    private static double Mean(double[] values)
    {
        var valid = values.Where(v => !double.IsNaN(v)).ToList();
        return valid.Count == 0 ? double.NaN : valid.Average();
    }
}
