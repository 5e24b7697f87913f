using System.Globalization;
using Ocular.Evaluation.Metrics;
using Ocular.Torch;
using Ocular.Vision.Data;

namespace Ocular.Evaluation;

/// <summary>Runs every planned metric on one method's maps of one chunk (<see cref="ChunkContext"/>); the result is folded by <see cref="MethodAccumulator"/>.</summary>
internal static class MethodMetrics
{
    private const ulong RoadStream = 0x524F4144;   // "ROAD"

    /// <summary>Computes the plan's metrics on this chunk; <paramref name="reference"/> holds the reference method's maps for iou/stability.</summary>
    public static MethodChunk Compute(ChunkContext c, Tensor maps, Tensor? reference, Action<string> activity)
    {
        var plan = c.Plan;
        var chunk = new MethodChunk();
        if (plan.NeedsKeepLevels) KeepLevels(c, maps, chunk, activity);
        if (plan.Has("deletion")) chunk.Deletion = Curves(c, maps, DeletionInsertion.Kind.Deletion, "deletion", chunk, activity);
        if (plan.Has("insertion")) chunk.Insertion = Curves(c, maps, DeletionInsertion.Kind.Insertion, "insertion", chunk, activity);
        if (plan.Has("road"))
        {
            chunk.RoadMorfKept = RoadOrder(c, maps, Road.Order.MostRelevantFirst, "road-morf", chunk, activity);
            chunk.RoadLerfKept = RoadOrder(c, maps, Road.Order.LeastRelevantFirst, "road-lerf", chunk, activity);
        }
        if (plan.Has("pointing"))
        {
            activity("pointing game");
            var hits = PointingGame.Evaluate(maps, c.Masks!, Categories(c), c.Settings.PointingTolerance).Hits;
            Store(chunk, "pointing", c, hits.Select(h => h is null ? double.NaN : h.Value ? 100.0 : 0.0));
        }
        if (plan.Has("ebpg"))
        {
            activity("energy-based pointing game");
            Store(chunk, "ebpg", c, EnergyPointingGame.Evaluate(maps, c.Masks!).Proportions.Select(p => p * 100));
        }
        if (plan.Has("iou")) Store(chunk, "iou", c, PercentileIoU.Evaluate(maps, reference!, c.Settings.IouPercentile).PerImage);
        if (plan.Has("stability")) Store(chunk, "stability", c, StabilityIoU.Evaluate(maps, reference!, c.Settings.StabilityThreshold).IoU);
        return chunk;
    }

    /// <summary>The categories of the pointing game: the labels (the predicted class where an image is unlabelled).</summary>
    public static long[] Categories(ChunkContext c)
    {
        var labels = c.Labels.ToArray<long>();
        var predicted = c.Clean.Classes.ToArray<long>();
        return labels.Select((l, i) => l >= 0 ? l : predicted[i]).ToArray();
    }

    private static void KeepLevels(ChunkContext c, Tensor maps, MethodChunk chunk, Action<string> activity)
    {
        var plan = c.Plan;
        foreach (var keep in c.Settings.KeepPercent.Distinct())
        {
            activity($"AD/IC/AG at {keep}% kept");
            using var result = ConfidenceChange.Evaluate(c.Scorer, c.Raw, maps, c.Clean, keep);
            var k = keep.ToString(CultureInfo.InvariantCulture);
            if (plan.Has("ad")) Store(chunk, $"ad@{k}", c, AverageDrop.PerImage(result.Clean, result.Masked).Select(v => (double)v));
            if (plan.Has("ic")) Store(chunk, $"ic@{k}", c, IncreaseInConfidence.PerImage(result.Clean, result.Masked).Select(v => (double)v));
            if (plan.Has("ag")) Store(chunk, $"ag@{k}", c, AverageGain.PerImage(result.Clean, result.Masked).Select(v => (double)v));
            if (plan.Has("top1")) Store(chunk, $"top1@{k}", c, Accuracy.PerImage(result.MaskedProbabilities, c.Labels, 1).Select(h => h ? 100.0 : 0.0));
            if (plan.Has("top5")) Store(chunk, $"top5@{k}", c, Accuracy.PerImage(result.MaskedProbabilities, c.Labels, 5).Select(h => h ? 100.0 : 0.0));
        }
    }

    private static float[][] Curves(ChunkContext c, Tensor maps, DeletionInsertion.Kind kind, string column, MethodChunk chunk, Action<string> activity)
    {
        activity($"{column} ({c.Step} px per step)");
        var result = DeletionInsertion.Evaluate(c.Scorer, c.Raw, maps, c.Clean, kind, c.Step,
            i => activity($"{column} ({c.Step} px per step), image {i}/{c.Count} of the chunk"));
        Store(chunk, column, c, result.Auc);
        return result.Curves;
    }

    private static long[] RoadOrder(ChunkContext c, Tensor maps, Road.Order order, string column, MethodChunk chunk, Action<string> activity)
    {
        activity(column == "road-morf" ? "ROAD, most relevant first" : "ROAD, least relevant first");
        // ROAD's noise: one generator per chunk and order, from the run's seed and the chunk's first image.
        var seed = Seeds.Derive(c.Settings.Seed, RoadStream, (ulong)order, (ulong)c.Start);
        var result = Road.Evaluate(c.Scorer, c.Raw, maps, c.Clean, order, c.Settings.RoadPercent, seed);
        Store(chunk, column, c, Enumerable.Range(0, c.Count).Select(i => 100.0 * result.KeptPrediction.Count(perQ => perQ[i]) / result.KeptPrediction.Length));
        return [.. result.KeptPrediction.Select(perQ => (long)perQ.Count(k => k))];
    }

    private static void Store(MethodChunk chunk, string column, ChunkContext c, IEnumerable<double> values)
    {
        var stored = values.ToArray();
        if (stored.Length != c.Count) throw new InvalidOperationException($"{column}: {stored.Length} values for {c.Count} images");
        chunk.Values[column] = stored;
    }
}
