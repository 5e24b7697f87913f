using Ocular.Torch;

namespace Ocular.Evaluation.Metrics;

/// <summary>
/// Stability IoU between two sets of maps of the same images (LFI-CAM's own metric, reference
/// lfi-cam.md §5.3, the re-implementation's definition): each map is min-max normalised per image
/// (0 if constant), binarised as m &gt; t/255 (t = 100 by default), and IoU = (|A ∩ B| + 1e-6)/(|A ∪ B| + 1e-6)
/// over all H·W pixels of the image (not the original's per-row IoU), paired by image (same index),
/// mean over images. Also reports Dice = 2(|A ∩ B| + 1e-6)/(|A| + |B| + 1e-6).
/// </summary>
public static class StabilityIoU
{
    /// <summary>Per-image IoU and Dice, and their means.</summary>
    /// <param name="IoU">IoU of each image.</param>
    /// <param name="Dice">Dice of each image.</param>
    /// <param name="MeanIoU">Mean IoU.</param>
    /// <param name="MeanDice">Mean Dice.</param>
    public sealed record Result(double[] IoU, double[] Dice, double MeanIoU, double MeanDice);

    /// <summary>Compares maps [N, H, W] of model A with maps [N, H, W] of model B for the same images.</summary>
    public static Result Evaluate(Tensor mapsA, Tensor mapsB, int threshold = 100)
    {
        if (mapsA.Dim != 3 || !mapsA.Shape.SequenceEqual(mapsB.Shape))
            throw new ArgumentException($"both map sets must be [N, H, W] of the same size, got {Tensor.ShapeString(mapsA.Shape)} and {Tensor.ShapeString(mapsB.Shape)}");
        if (threshold is < 0 or > 255) throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "threshold is on the 0..255 scale");
        using var scope = DisposeScope.Enter();
        var a = Binarise(mapsA, threshold);
        var b = Binarise(mapsB, threshold);
        var intersection = a.LogicalAnd(b).Sum([1, 2]).To(ScalarType.Float64);
        var union = a.LogicalOr(b).Sum([1, 2]).To(ScalarType.Float64);
        var sizes = a.Sum([1, 2]).Add(b.Sum([1, 2])).To(ScalarType.Float64);
        var iou = intersection.Add(1e-6).Div(union.Add(1e-6)).ToArray<double>();
        var dice = intersection.Add(1e-6).Mul(2).Div(sizes.Add(1e-6)).ToArray<double>();
        return new Result(iou, dice, iou.Average(), dice.Average());
    }

    private static Tensor Binarise(Tensor maps, int threshold)
    {
        var flat = maps.To(ScalarType.Float64).Reshape(maps.Size(0), -1);
        var min = flat.Amin([1], keepDim: true);
        var range = flat.Amax([1], keepDim: true).Sub(min);
        var normalised = Tensor.Where(range.Gt(0), flat.Sub(min).Div(range), 0.0);
        return normalised.Gt(threshold / 255.0).View(maps.Shape);
    }
}
