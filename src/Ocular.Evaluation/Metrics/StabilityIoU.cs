using Ocular.Torch;

namespace Ocular.Evaluation.Metrics;

/// <summary>
/// Stability IoU between two sets of maps of the same images (LFI-CAM's own metric, reference lfi-cam.md §5.3):
/// each map becomes a binary mask (<see cref="ExportQuantisation"/>), the masks of an image are compared
/// (<see cref="IoUMode"/>), and the per-image values are averaged over images. The defaults are the
/// re-implementation's definition: float maps min-max normalised per image (0 if constant), binarised as
/// m &gt; t/255 (t = 100), IoU = (|A ∩ B| + 1e-6)/(|A ∪ B| + 1e-6) over all H·W pixels, and
/// Dice = 2(|A ∩ B| + 1e-6)/(|A| + |B| + 1e-6). The original's row-wise mean (§7 defect 1) and its uint8 export
/// (§7 defect 3) are compatibility options that reproduce its numbers. Maps are paired by position here: pairing
/// them by image identifier is the caller's job (<see cref="Stability.KeyedMaps"/>; §7 defect 2).
/// </summary>
public static class StabilityIoU
{
    /// <summary>Per-image IoU and Dice, and their means.</summary>
    /// <param name="IoU">IoU of each image.</param>
    /// <param name="Dice">Dice of each image.</param>
    /// <param name="MeanIoU">Mean IoU.</param>
    /// <param name="MeanDice">Mean Dice.</param>
    public sealed record Result(double[] IoU, double[] Dice, double MeanIoU, double MeanDice);

    private const double Smooth = 1e-6;

    // The original compares H×W×3 arrays read back from a PNG: every count is over 3 identical channels.
    private const int OriginalChannels = 3;

    /// <summary>Compares maps [N, h, w] of model A with maps [N, h, w] of model B for the same images.</summary>
    /// <param name="mapsA">The first model's maps (floating).</param>
    /// <param name="mapsB">The second model's maps, same shape, same image order.</param>
    /// <param name="threshold">t on the 0–255 scale (the README uses 100).</param>
    /// <param name="mode">How an image's masks are compared.</param>
    /// <param name="export">How a map becomes a mask.</param>
    /// <param name="size">The size H×W the maps are resized to first (OpenCV bilinear, as <c>cv2.resize</c>); default: their own.</param>
    public static Result Evaluate(Tensor mapsA, Tensor mapsB, int threshold = 100, IoUMode mode = IoUMode.PerImage,
        ExportQuantisation export = ExportQuantisation.Float, Pair? size = null)
    {
        if (mapsA.Dim != 3 || !mapsA.Shape.SequenceEqual(mapsB.Shape))
            throw new ArgumentException($"both map sets must be [N, H, W] of the same size, got {Tensor.ShapeString(mapsA.Shape)} and {Tensor.ShapeString(mapsB.Shape)}");
        using var a = Binarise(mapsA, threshold, export, size);
        using var b = Binarise(mapsB, threshold, export, size);
        return Compare(a, b, mode);
    }

    /// <summary>
    /// The binary masks (bool [N, H, W]) of maps [N, h, w] under <paramref name="export"/> at threshold t
    /// (0–255 scale), resized to <paramref name="size"/> first when given.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">t is outside 0..255.</exception>
    public static Tensor Binarise(Tensor maps, int threshold = 100, ExportQuantisation export = ExportQuantisation.Float, Pair? size = null)
    {
        if (threshold is < 0 or > 255) throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "threshold is on the 0..255 scale");
        if (maps.Dim != 3) throw new ArgumentException($"maps must be [N, H, W], got {Tensor.ShapeString(maps.Shape)}", nameof(maps));
        if (export == ExportQuantisation.OriginalUint8)
        {
            // binary = (att > args.threshold): the integer threshold on the uint8 map (utils/metrics.py).
            using var exported = OriginalMapExport.Apply(maps, size);
            return exported.Gt(threshold);
        }
        using var scope = DisposeScope.Enter();
        var resized = size is { } s ? OriginalMapExport.Resize(maps, s) : maps;
        var flat = resized.To(ScalarType.Float64).Reshape(resized.Size(0), -1);
        var min = flat.Amin([1], keepDim: true);
        var range = flat.Amax([1], keepDim: true).Sub(min);
        var normalised = Tensor.Where(range.Gt(0), flat.Sub(min).Div(range), 0.0);
        return scope.Keep(normalised.Gt(threshold / 255.0).View(resized.Shape));
    }

    /// <summary>Compares binary masks bool [N, H, W] of two models for the same images, image by image.</summary>
    public static Result Compare(Tensor masksA, Tensor masksB, IoUMode mode = IoUMode.PerImage)
    {
        if (masksA.Dim != 3 || !masksA.Shape.SequenceEqual(masksB.Shape))
            throw new ArgumentException($"both mask sets must be [N, H, W] of the same size, got {Tensor.ShapeString(masksA.Shape)} and {Tensor.ShapeString(masksB.Shape)}");
        if (masksA.Size(0) == 0) throw new ArgumentException("no images to compare");
        using var scope = DisposeScope.Enter();
        // Per image: counts over the H·W pixels; per row (the original): counts over each row's W pixels × 3 channels.
        long[] dims = mode == IoUMode.PerImage ? [1, 2] : [2];
        var factor = mode == IoUMode.PerImage ? 1 : OriginalChannels;
        var a = masksA.To(ScalarType.Float64);
        var b = masksB.To(ScalarType.Float64);
        var intersection = a.Mul(b).Sum(dims).Mul(factor);
        var sizes = a.Sum(dims).Add(b.Sum(dims)).Mul(factor);
        var union = sizes.Sub(intersection);
        var iou = intersection.Add(Smooth).Div(union.Add(Smooth));
        var dice = intersection.Add(Smooth).Mul(2).Div(sizes.Add(Smooth));
        if (mode == IoUMode.PerRowOriginal)
        {
            // iou_meter.update(iou_score.mean(), 1): the image's value is the mean over its rows.
            iou = iou.Mean(1);
            dice = dice.Mean(1);
        }
        var iouValues = iou.ToArray<double>();
        var diceValues = dice.ToArray<double>();
        return new Result(iouValues, diceValues, iouValues.Average(), diceValues.Average());
    }
}
