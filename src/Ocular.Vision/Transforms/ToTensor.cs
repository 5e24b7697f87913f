using Ocular.Torch;

namespace Ocular.Vision.Transforms;

/// <summary>
/// uint8 images → float32 in [0, 1] (<c>img.to(float32).div(255)</c>, as torchvision's <c>ToTensor</c> and
/// <c>ConvertImageDtype(torch.float)</c>); the layout stays [C, H, W]. A floating image is returned as is (an alias).
/// </summary>
public sealed class ToTensor : ITransform
{
    /// <inheritdoc/>
    public Tensor Apply(Tensor image, Generator? generator = null)
    {
        if (image.DType.IsFloatingPoint()) return image.Alias();
        if (image.DType != ScalarType.UInt8)
            throw new ArgumentException($"ToTensor expects a uint8 (or floating) image, got {image.DType.TorchName()}", nameof(image));
        using var asFloat = image.To(ScalarType.Float32);
        return asFloat.Div(255);
    }
}
