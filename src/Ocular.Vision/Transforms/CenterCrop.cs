using Ocular.Torch;

namespace Ocular.Vision.Transforms;

/// <summary>The central region of the given size, zero-padding a smaller image (torchvision's <c>CenterCrop</c>).</summary>
public sealed class CenterCrop : ITransform
{
    /// <summary>Creates the transform; a single number means a square crop.</summary>
    public CenterCrop(Pair size)
    {
        if (size.H <= 0 || size.W <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "the crop size must be positive");
        Size = size;
    }

    /// <summary>The crop size (height, width).</summary>
    public Pair Size { get; }

    /// <inheritdoc/>
    public Tensor Apply(Tensor image, Generator? generator = null) => ImageFunctional.CenterCrop(image, Size);
}
