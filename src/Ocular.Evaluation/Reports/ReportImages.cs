using Ocular.Torch;
using Ocular.Vision.Images;

namespace Ocular.Evaluation.Reports;

/// <summary>The pictures of Ocular's HTML pages: raw images and map overlays as PNGs, grey images as RGB, shrunk to keep the pages small.</summary>
public static class ReportImages
{
    /// <summary>Pictures larger than this (per side) are shrunk.</summary>
    public const int MaxSide = 224;

    /// <summary>A raw <c>[C, H, W]</c> image in [0, 1] as a PNG.</summary>
    public static byte[] ImagePng(Tensor raw)
    {
        using var scope = DisposeScope.Enter();
        var rgb = Rgb(raw);
        return ImageIO.EncodePng(Shrink(rgb.Mul(255).Round().Clamp(0, 255).To(ScalarType.UInt8)));
    }

    /// <summary>pytorch-grad-cam's jet overlay (image weight 0.5) of map <paramref name="i"/> of <paramref name="maps"/> on <paramref name="raw"/>, as a PNG.</summary>
    public static byte[] Overlay(Tensor raw, Tensor maps, int i)
    {
        using var scope = DisposeScope.Enter();
        var overlay = HeatmapOverlay.ShowCamOnImage(Rgb(raw).Clamp(0, 1), maps.Select(0, i));
        return ImageIO.EncodePng(Shrink(overlay));
    }

    private static Tensor Rgb(Tensor raw) => raw.Size(0) == 3 ? raw.Alias() : raw.Narrow(0, 0, 1).Expand(3, -1, -1).Contiguous();

    private static Tensor Shrink(Tensor image)
    {
        var (h, w) = (image.Size(1), image.Size(2));
        if (Math.Max(h, w) <= MaxSide) return image;
        var scale = (double)MaxSide / Math.Max(h, w);
        return ImageIO.Resize(image, new Pair(Math.Max(1, (long)Math.Round(h * scale)), Math.Max(1, (long)Math.Round(w * scale))), ImageInterpolation.Area);
    }
}
