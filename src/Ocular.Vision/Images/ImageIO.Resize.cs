using Ocular.Torch;
using Ocular.Vision.Interop;

namespace Ocular.Vision.Images;

/// <summary>OpenCV's interpolation flags for <see cref="ImageIO.Resize"/> (the values are <c>cv::InterpolationFlags</c>).</summary>
public enum ImageInterpolation
{
    /// <summary><c>INTER_NEAREST</c>.</summary>
    Nearest = 0,
    /// <summary><c>INTER_LINEAR</c> (bilinear, no antialiasing).</summary>
    Bilinear = 1,
    /// <summary><c>INTER_CUBIC</c> (bicubic, a = −0.75).</summary>
    Bicubic = 2,
    /// <summary><c>INTER_AREA</c> (pixel-area averaging; the choice for shrinking).</summary>
    Area = 3,
}

public static partial class ImageIO
{
    /// <summary>
    /// Resizes a uint8 or float32 image [C, H, W] to <paramref name="size"/> (height, width) with OpenCV's
    /// <c>cv::resize</c>, exactly as <c>cv2.resize</c> does. For torchvision's resize (the tensor path that
    /// transforms use) see <see cref="Transforms.Resize"/>.
    /// </summary>
    public static Tensor Resize(Tensor image, Pair size, ImageInterpolation interpolation = ImageInterpolation.Bilinear)
    {
        if (image.Dim != 3 || image.DType is not (ScalarType.UInt8 or ScalarType.Float32))
            throw new ArgumentException($"Resize expects a uint8 or float32 image [C, H, W], got {image.DType.TorchName()} {Tensor.ShapeString(image.Shape)}", nameof(image));
        if (size.H <= 0 || size.W <= 0)
            throw new ArgumentOutOfRangeException(nameof(size), size, "the output height and width must be positive");
        if (!Enum.IsDefined(interpolation))
            throw new ArgumentOutOfRangeException(nameof(interpolation), interpolation, "unknown interpolation");
        return Tensor.Wrap(NativeImage.ocl_image_resize(image.Handle, size.H, size.W, (int)interpolation));
    }
}
