using Ocular.Torch;

namespace Ocular.Evaluation.Metrics;

/// <summary>
/// Pointing game (Zhang et al., ECCV 2016, "Top-down Neural Attention by Excitation Backprop"): a hit
/// when the map's maximum (the first in raster order if tied) lies within <c>tolerance</c> pixels
/// (Euclidean, the original's 15) of the ground-truth mask of the explained class. Accuracy =
/// hits/(hits + misses) per category, averaged over categories; higher is better. Images with an
/// empty mask are not counted.
/// </summary>
public static class PointingGame
{
    /// <summary>Per-image hits and the category-averaged accuracy.</summary>
    /// <param name="Hits">Per image: hit (true), miss (false) or not counted (null, empty mask).</param>
    /// <param name="Accuracy">Mean over categories of hits/(hits + misses), in [0, 1].</param>
    /// <param name="OverallAccuracy">Hits over all counted images, in [0, 1].</param>
    public sealed record Result(bool?[] Hits, double Accuracy, double OverallAccuracy);

    /// <summary>Plays the game for maps [N, H, W] and ground-truth masks [N, H, W] (non-zero = object).</summary>
    /// <param name="maps">Saliency maps at input resolution.</param>
    /// <param name="masks">Ground-truth masks of the explained class.</param>
    /// <param name="categories">The category of each image (for the per-category mean).</param>
    /// <param name="tolerance">Distance in pixels within which a point still hits.</param>
    public static Result Evaluate(Tensor maps, Tensor masks, IReadOnlyList<long> categories, int tolerance = 15)
    {
        CheckShapes(maps, masks, categories.Count);
        using var scope = DisposeScope.Enter();
        var n = maps.Size(0);
        var (h, w) = (maps.Size(1), maps.Size(2));
        var objects = masks.Ne(0).To(ScalarType.Float32).Unsqueeze(1);
        // Dilating the mask by a disc of radius `tolerance` turns "within distance" into "inside".
        var reach = tolerance > 0 ? Functional.Conv2d(objects, Disc(tolerance), padding: tolerance).Gt(0.5).Squeeze(1) : objects.Gt(0.5).Squeeze(1);
        var peaks = maps.Reshape(n, h * w).Argmax(1, keepDim: true);
        var hit = reach.Reshape(n, h * w).Gather(1, peaks).Squeeze(1).ToArray<bool>();
        var counted = objects.Sum([1, 2, 3]).Gt(0).ToArray<bool>();
        var hits = Enumerable.Range(0, (int)n).Select(i => counted[i] ? hit[i] : (bool?)null).ToArray();
        return new Result(hits, CategoryMean(hits, categories), OverallMean(hits));
    }

    /// <summary>Aggregates per-image hits (null = not counted) gathered elsewhere, e.g. over chunks of a data set.</summary>
    public static Result Aggregate(bool?[] hits, IReadOnlyList<long> categories)
    {
        if (categories.Count != hits.Length) throw new ArgumentException($"{categories.Count} categories for {hits.Length} images");
        return new Result(hits, CategoryMean(hits, categories), OverallMean(hits));
    }

    internal static void CheckShapes(Tensor maps, Tensor masks, long categories)
    {
        if (maps.Dim != 3 || !maps.Shape.SequenceEqual(masks.Shape))
            throw new ArgumentException($"maps {Tensor.ShapeString(maps.Shape)} and ground-truth masks {Tensor.ShapeString(masks.Shape)} must both be [N, H, W] of the same size");
        if (categories != maps.Size(0)) throw new ArgumentException($"{categories} categories for {maps.Size(0)} maps");
    }

    private static Tensor Disc(int radius)
    {
        using var scope = DisposeScope.Enter();
        var r = Tensor.Arange(-radius, radius + 1, 1, ScalarType.Float32);
        var d2 = r.Unsqueeze(1).Square().Add(r.Unsqueeze(0).Square());
        return scope.Keep(d2.Le(radius * radius).To(ScalarType.Float32).View(1, 1, 2 * radius + 1, 2 * radius + 1));
    }

    private static double CategoryMean(bool?[] hits, IReadOnlyList<long> categories) =>
        hits.Select((h, i) => (h, c: categories[i]))
            .Where(x => x.h.HasValue)
            .GroupBy(x => x.c)
            .Select(g => g.Average(x => x.h!.Value ? 1.0 : 0.0))
            .DefaultIfEmpty(double.NaN)
            .Average();

    private static double OverallMean(bool?[] hits) =>
        hits.Where(h => h.HasValue).Select(h => h!.Value ? 1.0 : 0.0).DefaultIfEmpty(double.NaN).Average();
}
