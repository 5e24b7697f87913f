using Ocular.Torch;
using Ocular.Vision.Interop;

namespace Ocular.Vision.Images;

/// <summary>Colour maps for heat maps; the values are OpenCV's <c>cv::ColormapTypes</c> codes.</summary>
public enum ColorMap
{
    /// <summary><c>COLORMAP_JET</c> (pytorch-grad-cam's default).</summary>
    Jet = 2,
    /// <summary><c>COLORMAP_INFERNO</c>.</summary>
    Inferno = 14,
    /// <summary><c>COLORMAP_VIRIDIS</c>.</summary>
    Viridis = 16,
    /// <summary><c>COLORMAP_TURBO</c>.</summary>
    Turbo = 20,
}

/// <summary>Applies OpenCV colour maps (<c>cv::applyColorMap</c>) to single-channel maps.</summary>
public static class ColorMaps
{
    /// <summary>
    /// Colours a map [H, W]: uint8 levels are looked up directly; floating values in [0, 1] are first
    /// turned into levels as <c>np.uint8(255 * v)</c> does (scaled, then truncated; values outside [0, 1]
    /// are clamped). Returns uint8 [3, H, W] in RGB order.
    /// </summary>
    public static Tensor Apply(Tensor values, ColorMap map = ColorMap.Jet)
    {
        if (values.Dim != 2 || !(values.DType == ScalarType.UInt8 || values.DType.IsFloatingPoint()))
            throw new ArgumentException($"a colour map applies to uint8 or floating values [H, W], got {values.DType.TorchName()} {Tensor.ShapeString(values.Shape)}", nameof(values));
        if (!Enum.IsDefined(map)) throw new ArgumentOutOfRangeException(nameof(map), map, "unknown colour map");
        if (values.DType == ScalarType.UInt8) return Tensor.Wrap(NativeImage.ocl_image_apply_color_map(values.Handle, (int)map));
        using var levels = ToLevels(values);
        return Tensor.Wrap(NativeImage.ocl_image_apply_color_map(levels.Handle, (int)map));
    }

    /// <summary>Floating values in [0, 1] → uint8 levels, as <c>np.uint8(255 * v)</c>: the product in the input's type, truncated.</summary>
    public static Tensor ToLevels(Tensor values01)
    {
        if (!values01.DType.IsFloatingPoint())
            throw new ArgumentException($"expected floating values in [0, 1], got {values01.DType.TorchName()}", nameof(values01));
        using var clamped = values01.Clamp(0.0, 1.0);
        using var scaled = clamped.Mul(255);
        return scaled.To(ScalarType.UInt8); // a float → uint8 cast truncates toward zero, as NumPy's does
    }
}
