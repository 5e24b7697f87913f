using Ocular.Torch;
using Ocular.Vision.Images;

namespace Ocular.Evaluation.Metrics;

/// <summary>
/// The LFI-CAM repository's map export (reference lfi-cam.md §5.3 "map export, original behaviour", §7 defect 3),
/// step by step as <c>cifar.py</c>, <c>stl.py</c> and <c>imagenet.py</c> do it at <c>4ba02df</c>, for reproducing
/// the published stability numbers (<see cref="ExportQuantisation.OriginalUint8"/>):
/// <list type="number">
/// <item><c>cv2.resize(att, (W, H))</c>: bilinear with half-pixel centres (OpenCV's <c>INTER_LINEAR</c>, run by
/// OpenCV itself here), in float32. Skipped when the map is already H×W, as <c>cv::resize</c> then copies.</item>
/// <item><c>resize_att *= 255.</c> in float32.</item>
/// <item><c>cv2.imwrite</c> to a PNG and <c>cv2.imread</c>: the float is saturated to uint8 with rounding half to even
/// (OpenCV's <c>saturate_cast</c>), and read back as three identical channels (one is kept: they are equal).</item>
/// <item><c>vis_map - np.min(vis_map)</c>, then <c>/ np.max(vis_map)</c> in float64 (0/0 = NaN for a constant map),
/// then <c>np.uint8(256 * vis_map)</c>: truncation with wrap-around, so the maximum pixel (256) becomes 0 and NaN becomes 0.</item>
/// </list>
/// The original resized the model's raw h×w attention map (8×8 on CIFAR, 14×14 on ImageNet). Explainers give
/// Ocular maps already at input resolution and min–max normalised; fed those, step 1 is the identity and step 2
/// quantises the explainer's map: close to the original for LFI-CAM (min–maxed at h×w already, but upsampled by
/// libtorch and min–maxed again after upsampling), further from it for ABN (the original quantised raw sigmoid values).
/// Pass raw h×w maps and the input size to reproduce the chain exactly (docs/lficam.md).
/// </summary>
public static class OriginalMapExport
{
    /// <summary>
    /// Exports maps [N, h, w] (floating, finite) as the original's uint8 maps [N, H, W] (one of the three identical
    /// channels), resized to <paramref name="size"/> (default: their own size).
    /// </summary>
    /// <exception cref="ArgumentException">The maps are not [N, h, w] floating point, or not finite.</exception>
    public static Tensor Apply(Tensor maps, Pair? size = null)
    {
        if (maps.Dim != 3 || !maps.DType.IsFloatingPoint())
            throw new ArgumentException($"the original export takes floating maps [N, h, w], got {maps.DType.TorchName()} {Tensor.ShapeString(maps.Shape)}", nameof(maps));
        using var scope = DisposeScope.Enter();
        var att = maps.To(ScalarType.Float32);
        if (!att.IsFinite().All().Item<bool>())
            throw new ArgumentException("the original export needs finite maps (a NaN or infinite value has no uint8 image)", nameof(maps));
        var resized = Resize(att, size ?? new Pair(maps.Size(1), maps.Size(2)));
        // ×255 in float32, then the PNG round trip: saturate_cast<uchar>(float) rounds half to even (torch.round does too).
        var png = resized.Mul(255f).Round().Clamp(0, 255).To(ScalarType.UInt8);
        var n = png.Size(0);
        var flat = png.Reshape(n, -1).To(ScalarType.Float64);
        var shifted = flat.Sub(flat.Amin([1], keepDim: true));
        var ratio = shifted.Div(shifted.Amax([1], keepDim: true));
        // np.uint8 of a float64: truncation toward zero, then wrap modulo 256 (256 → 0); NaN (a constant map) → 0.
        var wrapped = Tensor.Where(ratio.IsNan().LogicalNot(), ratio.Mul(256).Trunc(), 0.0).Remainder(256);
        return scope.Keep(wrapped.To(ScalarType.UInt8).View(png.Shape));
    }

    /// <summary>
    /// <c>cv2.resize(att, (W, H))</c> of floating maps [N, h, w] map by map through OpenCV (bilinear, half-pixel centres,
    /// in float32); maps already H×W are returned as they are (the same object), as <c>cv::resize</c> then copies.
    /// </summary>
    internal static Tensor Resize(Tensor maps, Pair size)
    {
        if (size.H <= 0 || size.W <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "the output size must be positive");
        if (maps.Size(1) == size.H && maps.Size(2) == size.W) return maps;
        using var scope = DisposeScope.Enter();
        var resized = new List<Tensor>();
        for (var i = 0; i < maps.Size(0); i++)
            resized.Add(ImageIO.Resize(maps.Narrow(0, i, 1).To(ScalarType.Float32).Contiguous(), size, ImageInterpolation.Bilinear));
        return scope.Keep(Tensor.Cat(resized, 0));
    }
}
