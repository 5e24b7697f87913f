using Ocular.Explain;
using Ocular.Torch;

namespace Ocular.Evaluation;

/// <summary>
/// Saliency maps as the metrics receive them: float32 [N, H, W] at input resolution, finite, in [0, 1].
/// Maps from an explainer or from a file go through the same checks.
/// </summary>
public static class SaliencyMaps
{
    /// <summary>Values this far outside [0, 1] are clamped rather than refused (float rounding in other tools).</summary>
    public const double RangeTolerance = 1e-5;

    /// <summary>Explains <paramref name="images"/> (normalised [N, C, H, W]) for <paramref name="targets"/> (int64 [N]) in chunks of <paramref name="batchSize"/> images.</summary>
    public static Tensor Explain(IExplainer explainer, Tensor images, Tensor targets, int batchSize)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be at least 1");
        var n = images.Size(0);
        var parts = new List<Tensor>();
        try
        {
            for (long start = 0; start < n; start += batchSize)
            {
                var count = Math.Min(batchSize, n - start);
                using var scope = DisposeScope.Enter();
                var maps = explainer.Explain(images.Narrow(0, start, count), targets.Narrow(0, start, count));
                var expected = new[] { count, images.Size(2), images.Size(3) };
                if (!maps.Shape.SequenceEqual(expected))
                    throw new InvalidOperationException($"{explainer.Name}: the explainer returned maps {Tensor.ShapeString(maps.Shape)}, expected {Tensor.ShapeString(expected)} (one map per image at input resolution)");
                parts.Add(scope.Keep(maps.To(ScalarType.Float32)));
            }
            return parts.Count == 1 ? parts[0].Alias() : Tensor.Cat(parts, 0);
        }
        finally
        {
            foreach (var p in parts) p.Dispose();
        }
    }

    /// <summary>
    /// Checks maps [N, H, W] and returns them as float32 in [0, 1]: non-finite values are an error; values
    /// outside [0, 1] (beyond <see cref="RangeTolerance"/>) are an error naming <paramref name="source"/>
    /// unless <paramref name="normalize"/> is set, which min–max normalises every map per image.
    /// </summary>
    /// <param name="maps">The maps.</param>
    /// <param name="source">The file or method, for the error message.</param>
    /// <param name="normalize">Min–max normalise each map (a constant map becomes 0).</param>
    /// <param name="firstIndex">The data-set index of the first map (for the error message).</param>
    /// <exception cref="InvalidDataException">The maps are not finite, or outside [0, 1] without <paramref name="normalize"/>.</exception>
    public static Tensor Prepare(Tensor maps, string source, bool normalize, long firstIndex = 0)
    {
        if (maps.Dim != 3) throw new InvalidDataException($"{source}: saliency maps must be [N, H, W], got shape {Tensor.ShapeString(maps.Shape)}");
        if (!maps.DType.IsFloatingPoint()) throw new InvalidDataException($"{source}: saliency maps must be floating point, got {maps.DType.TorchName()}");
        using var scope = DisposeScope.Enter();
        var n = maps.Size(0);
        var flat = maps.To(ScalarType.Float32).Reshape(n, -1);
        var finite = flat.IsFinite().All(1).ToArray<bool>();
        var bad = Array.IndexOf(finite, false);
        if (bad >= 0) throw new InvalidDataException($"{source}: the map of image {firstIndex + bad} has NaN or infinite values");
        if (normalize) return scope.Keep(MinMax(flat).View(maps.Shape));
        var min = flat.Amin(1).ToArray<float>();
        var max = flat.Amax(1).ToArray<float>();
        for (var i = 0; i < n; i++)
            if (min[i] < -RangeTolerance || max[i] > 1 + RangeTolerance)
                throw new InvalidDataException($"{source}: the map of image {firstIndex + i} spans [{min[i]:G6}, {max[i]:G6}], but Ocular expects maps in [0, 1]; min–max normalise them per image (--normalize-maps)");
        return scope.Keep(flat.Clamp(0, 1).View(maps.Shape).Contiguous());
    }

    /// <summary>Per-image min–max normalisation of maps [N, …] to [0, 1]: (x − min)/(max − min), 0 for a constant map.</summary>
    public static Tensor MinMax(Tensor maps)
    {
        using var scope = DisposeScope.Enter();
        var n = maps.Size(0);
        var flat = maps.Reshape(n, -1);
        var min = flat.Amin(1, keepDim: true);
        var range = flat.Amax(1, keepDim: true).Sub(min);
        var normalised = Tensor.Where(range.Gt(0), flat.Sub(min).Div(range.ClampMin(1e-30)), 0.0);
        return scope.Keep(normalised.View(maps.Shape));
    }
}
