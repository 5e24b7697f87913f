using Ocular.Torch;

namespace Ocular.Evaluation.Metrics;

/// <summary>
/// IoU of two maps of the same image, each binarised at its own percentile (Learnable Visual Words'
/// fidelity metric, reference learnable-visual-words.md §6): A = [a &gt; P_thr(a)], B = [b &gt; P_thr(b)],
/// IoU = (|A ∩ B| + 1e-6)/(|A ∪ B| + 1e-6), mean over images; percentiles with linear interpolation
/// (NumPy's default). The default compares the salient (top) regions; <see cref="Region.LowOriginal"/>
/// reproduces the original script's inverted mask (value ≤ percentile), defect 8.
/// </summary>
public static class PercentileIoU
{
    /// <summary>Which region of each map is compared.</summary>
    public enum Region
    {
        /// <summary>Pixels above the map's own percentile (the salient region).</summary>
        High,
        /// <summary>Pixels at or below the percentile, as the original <c>q_mask</c>.</summary>
        LowOriginal,
    }

    /// <summary>Per-image IoU and the mean.</summary>
    /// <param name="PerImage">IoU of each image.</param>
    /// <param name="Mean">Mean over images.</param>
    public sealed record Result(double[] PerImage, double Mean);

    /// <summary>Compares maps [N, H, W] with reference maps [N, H, W] at the <paramref name="percentile"/>-th percentile (0…100).</summary>
    public static Result Evaluate(Tensor maps, Tensor reference, double percentile = 50, Region region = Region.High)
    {
        if (maps.Dim != 3 || !maps.Shape.SequenceEqual(reference.Shape))
            throw new ArgumentException($"maps {Tensor.ShapeString(maps.Shape)} and reference maps {Tensor.ShapeString(reference.Shape)} must both be [N, H, W] of the same size");
        if (percentile is < 0 or > 100) throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "percentile must be in 0..100");
        using var scope = DisposeScope.Enter();
        var a = Binarise(maps, percentile, region);
        var b = Binarise(reference, percentile, region);
        var intersection = a.LogicalAnd(b).Sum([1, 2]).To(ScalarType.Float64);
        var union = a.LogicalOr(b).Sum([1, 2]).To(ScalarType.Float64);
        var iou = intersection.Add(1e-6).Div(union.Add(1e-6)).ToArray<double>();
        return new Result(iou, iou.Average());
    }

    private static Tensor Binarise(Tensor maps, double percentile, Region region)
    {
        var flat = maps.To(ScalarType.Float64).Reshape(maps.Size(0), -1);
        var threshold = flat.Quantile(percentile / 100.0, dim: 1, keepDim: true);
        var mask = region == Region.High ? flat.Gt(threshold) : flat.Le(threshold);
        return mask.View(maps.Shape);
    }
}
