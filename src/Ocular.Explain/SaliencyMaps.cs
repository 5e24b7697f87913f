using Ocular.Torch;

namespace Ocular.Explain;

/// <summary>
/// The post-processing every explainer shares, so that all maps are alike (float32 [N, H, W] at input
/// resolution, non-negative, min–max normalised per image): ReLU, bilinear upsampling with half-pixel
/// centres, per-image min–max, and the average of several maps. Learned explainers use it too.
/// </summary>
/// <remarks>
/// pytorch-grad-cam (<c>base_cam.py</c>, <c>scale_cam_image</c>) normalises at layer resolution as
/// (L − min)/(max − min + 1e-7) and then resizes with <c>cv2.resize</c>; here the map is upsampled
/// first and normalised exactly, so every map spans [0, 1] at input resolution (a bilinear upsampling
/// lowers the maximum of a map normalised before it), and a constant map becomes all zeros.
/// cv2's bilinear upsampling and <c>F.interpolate(align_corners=False)</c> use the same half-pixel centres.
/// <see cref="Upsample"/> can align corners instead (<see cref="Upsampling"/>); only Score-CAM's masks use that,
/// where pytorch-grad-cam aligns corners.
/// </remarks>
public static class SaliencyMaps
{
    /// <summary>
    /// Per-image min–max normalisation of maps [N, H, W] (or [N, …]): (x − min)/(max − min), computed
    /// in float32; an image whose map is constant gets zeros.
    /// </summary>
    public static Tensor Normalize(Tensor maps)
    {
        if (maps.Dim < 2) throw new ArgumentException($"expected maps [N, H, W], got shape {Tensor.ShapeString(maps.Shape)}", nameof(maps));
        using var scope = DisposeScope.Enter();
        var flat = maps.To(ScalarType.Float32).Flatten(1);
        var min = flat.Amin(1, keepDim: true);
        var range = flat.Amax(1, keepDim: true).Sub(min);
        // x − min is exactly 0 on a constant map, so dividing by 1 there gives zeros.
        var safe = Tensor.Where(range.Gt(0), range, 1.0);
        return scope.Keep(flat.Sub(min).Div(safe).View(maps.Shape));
    }

    /// <summary>
    /// Bilinear resizing of maps [N, h, w] to [N, <paramref name="height"/>, <paramref name="width"/>] in float32:
    /// <c>F.interpolate(mode="bilinear", align_corners=False)</c> by default, <c>align_corners=True</c> with
    /// <see cref="Upsampling.AlignCorners"/> (a method passes <see cref="ExplainerOptions.Upsampling"/> only where its
    /// reference libraries disagree; the final maps are always resized with half-pixel centres).
    /// </summary>
    public static Tensor Upsample(Tensor maps, long height, long width, Upsampling upsampling = Upsampling.HalfPixel)
    {
        if (maps.Dim != 3) throw new ArgumentException($"expected maps [N, h, w], got shape {Tensor.ShapeString(maps.Shape)}", nameof(maps));
        if (!Enum.IsDefined(upsampling)) throw new ArgumentOutOfRangeException(nameof(upsampling), upsampling, "unknown upsampling");
        if (maps.Size(1) == height && maps.Size(2) == width) return maps.To(ScalarType.Float32, copy: true);
        using var scope = DisposeScope.Enter();
        var x = maps.To(ScalarType.Float32).Unsqueeze(1);
        var alignCorners = upsampling == Upsampling.AlignCorners;
        return scope.Keep(Functional.Interpolate(x, new Pair(height, width), mode: InterpolationMode.Bilinear, alignCorners: alignCorners).Squeeze(1));
    }

    /// <summary>
    /// A layer's class map L [N, h, w] to the final saliency map [N, <paramref name="height"/>, <paramref name="width"/>]:
    /// max(L, 0), bilinear upsampling, per-image min–max (reference §1, post-processing 1–3).
    /// </summary>
    public static Tensor PostProcess(Tensor classMap, long height, long width)
    {
        using var scope = DisposeScope.Enter();
        var relu = classMap.To(ScalarType.Float32).Relu();
        return scope.Keep(Normalize(Upsample(relu, height, width)));
    }

    /// <summary>
    /// The maps of several layers (or passes) combined: ReLU, mean, per-image min–max again
    /// (pytorch-grad-cam's <c>aggregate_multi_layers</c>). One map is returned normalised as it is.
    /// </summary>
    public static Tensor Average(IReadOnlyList<Tensor> maps)
    {
        if (maps.Count == 0) throw new ArgumentException("no maps to average", nameof(maps));
        using var scope = DisposeScope.Enter();
        var mean = maps.Count == 1 ? maps[0] : Tensor.Stack(maps).Relu().Mean(0);
        return scope.Keep(Normalize(mean));
    }
}
