using Ocular.Torch;

namespace Ocular.Vision.Images;

/// <summary>Heat maps laid over images, as pytorch-grad-cam draws them.</summary>
public static class HeatmapOverlay
{
    /// <summary>
    /// pytorch-grad-cam's <c>show_cam_on_image(img, mask, use_rgb=True, colormap, image_weight)</c>, reproduced
    /// exactly: heatmap = applyColorMap(np.uint8(255·mask)) as RGB / 255; cam = (1 − w)·heatmap + w·img;
    /// cam /= max(cam); result = np.uint8(255·cam) (truncated).
    /// </summary>
    /// <param name="imageFloatChw01">The image, floating [3, H, W] with values in [0, 1].</param>
    /// <param name="mask01Hw">The saliency map, floating [H, W] in [0, 1].</param>
    /// <param name="map">The colour map (pytorch-grad-cam's default is jet).</param>
    /// <param name="imageWeight">The weight w of the image, in [0, 1].</param>
    /// <returns>The overlay, uint8 [3, H, W] RGB.</returns>
    public static Tensor ShowCamOnImage(Tensor imageFloatChw01, Tensor mask01Hw, ColorMap map = ColorMap.Jet, double imageWeight = 0.5)
    {
        var image = imageFloatChw01;
        if (image.Dim != 3 || image.Size(0) != 3 || !image.DType.IsFloatingPoint())
            throw new ArgumentException($"the image must be floating [3, H, W] in [0, 1], got {image.DType.TorchName()} {Tensor.ShapeString(image.Shape)}", nameof(imageFloatChw01));
        if (mask01Hw.Dim != 2 || mask01Hw.Size(0) != image.Size(1) || mask01Hw.Size(1) != image.Size(2))
            throw new ArgumentException($"the mask must be [H, W] = [{image.Size(1)}, {image.Size(2)}] like the image, got {Tensor.ShapeString(mask01Hw.Shape)}", nameof(mask01Hw));
        if (imageWeight is < 0 or > 1 || double.IsNaN(imageWeight))
            throw new ArgumentOutOfRangeException(nameof(imageWeight), imageWeight, "image_weight should be in the range [0, 1]");

        using var scope = DisposeScope.Enter();
        if (image.Max().Item<double>() > 1)
            throw new ArgumentException("the image should be floating in the range [0, 1] (its maximum is above 1)", nameof(imageFloatChw01));
        var heatmap = ColorMaps.Apply(mask01Hw, map).To(ScalarType.Float32).Div(255); // np.float32(heatmap) / 255
        var cam = heatmap.Mul(1 - imageWeight).Add(image.Mul(imageWeight));
        cam = cam.Div(cam.Max());
        return scope.Keep(cam.Mul(255).To(ScalarType.UInt8)); // np.uint8 truncates
    }
}
