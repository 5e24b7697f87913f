using Ocular.Torch;

namespace Ocular.Vision.Transforms;

/// <summary>
/// A crop at a random position (torchvision's <c>RandomCrop</c>), after optional padding of every border
/// and, with <c>padIfNeeded</c>, padding of an image smaller than the crop.
/// </summary>
public sealed class RandomCrop : ITransform
{
    /// <summary>Creates the transform.</summary>
    /// <param name="size">The crop size (height, width); a single number means a square crop.</param>
    /// <param name="padding">Padding added to the borders first, if any.</param>
    /// <param name="padIfNeeded">Pads an image smaller than the crop (on both sides of the short dimension).</param>
    /// <param name="fill">The value of constant padding.</param>
    /// <param name="paddingMode">How padding is filled.</param>
    public RandomCrop(Pair size, Padding? padding = null, bool padIfNeeded = false, double fill = 0, PaddingMode paddingMode = PaddingMode.Constant)
    {
        if (size.H <= 0 || size.W <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "the crop size must be positive");
        Size = size;
        Padding = padding;
        PadIfNeeded = padIfNeeded;
        Fill = fill;
        PaddingMode = paddingMode;
    }

    /// <summary>The crop size (height, width).</summary>
    public Pair Size { get; }

    /// <summary>The padding added to every image before cropping, if any.</summary>
    public Padding? Padding { get; }

    /// <summary>Whether an image smaller than the crop is padded.</summary>
    public bool PadIfNeeded { get; }

    /// <summary>The value of constant padding.</summary>
    public double Fill { get; }

    /// <summary>How padding is filled.</summary>
    public PaddingMode PaddingMode { get; }

    /// <summary>
    /// The crop's (top, left), as torchvision's <c>RandomCrop.get_params</c>: no draw when the image has the crop's
    /// size, else <c>torch.randint(0, h − th + 1, (1,))</c> then the same for the width.
    /// </summary>
    public static (long Top, long Left) GetParams(long height, long width, Pair size, Generator? generator = null)
    {
        if (height < size.H || width < size.W)
            throw new ArgumentException($"the crop size {size} is larger than the image size ({height}, {width})");
        if (height == size.H && width == size.W) return (0, 0);
        using var top = Tensor.RandInt(0, height - size.H + 1, [1], generator);
        using var left = Tensor.RandInt(0, width - size.W + 1, [1], generator);
        return (top.Item<long>(), left.Item<long>());
    }

    /// <inheritdoc/>
    public Tensor Apply(Tensor image, Generator? generator = null)
    {
        ImageFunctional.CheckImage(image, nameof(RandomCrop));
        using var scope = DisposeScope.Enter();
        var img = image;
        if (Padding is { } padding) img = ImageFunctional.Pad(img, padding, Fill, PaddingMode);
        if (PadIfNeeded && img.Size(-1) < Size.W)
            img = ImageFunctional.Pad(img, (Size.W - img.Size(-1), 0L), Fill, PaddingMode);
        if (PadIfNeeded && img.Size(-2) < Size.H)
            img = ImageFunctional.Pad(img, (0L, Size.H - img.Size(-2)), Fill, PaddingMode);
        var (top, left) = GetParams(img.Size(-2), img.Size(-1), Size, generator);
        return scope.Keep(ImageFunctional.Crop(img, top, left, Size.H, Size.W));
    }
}
