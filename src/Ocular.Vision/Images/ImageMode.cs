namespace Ocular.Vision.Images;

/// <summary>The channels a decoded image is converted to (as torchvision's <c>ImageReadMode</c>).</summary>
public enum ImageMode
{
    /// <summary>Three channels, RGB: grey images are replicated, alpha is dropped (not composited).</summary>
    Rgb,
    /// <summary>One grey channel: colour images are converted with OpenCV's weights (0.299 R + 0.587 G + 0.114 B).</summary>
    Grayscale,
}
