using Ocular.Evaluation.Metrics;

namespace Ocular.Evaluation;

/// <summary>
/// Folds one method's chunks (<see cref="MethodChunk"/>), in data-set order, into the per-image values over every image,
/// the summed deletion/insertion curves and ROAD's per-percentage counts, until the end of the data.
/// </summary>
internal sealed class MethodAccumulator
{
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

    /// <summary>
    /// Adds the chunk of images <paramref name="start"/>… The curves are summed image by image in the order folded —
    /// the order of one process, whoever computed the chunk — so that the mean curve is the same to the last bit.
    /// </summary>
    public void Fold(int start, MethodChunk chunk)
    {
        foreach (var (column, values) in chunk.Values) Array.Copy(values, 0, _perImage[column], start, values.Length);
        _deletionSum = Sum(_deletionSum, chunk.Deletion);
        _insertionSum = Sum(_insertionSum, chunk.Insertion);
        Add(_roadMorfKept, chunk.RoadMorfKept);
        Add(_roadLerfKept, chunk.RoadLerfKept);
    }

    private static double[]? Sum(double[]? sum, float[][]? curves)
    {
        if (curves is null || curves.Length == 0) return sum;
        sum ??= new double[curves[0].Length];
        foreach (var curve in curves)
            for (var k = 0; k < curve.Length; k++) sum[k] += curve[k];
        return sum;
    }

    private static void Add(long[] kept, long[]? chunk)
    {
        if (chunk is null) return;
        for (var q = 0; q < kept.Length; q++) kept[q] += chunk[q];
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
