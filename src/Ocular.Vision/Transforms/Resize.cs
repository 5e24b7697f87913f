using Ocular.Torch;

namespace Ocular.Vision.Transforms;

/// <summary>
/// torchvision's <c>Resize</c> on tensors: bilinear with antialiasing by default (as <c>antialias=True</c>);
/// integer images are interpolated in float32 and rounded back (see <see cref="ImageFunctional.Resize"/>).
/// </summary>
public sealed class Resize : ITransform
{
    /// <summary>Resizes so that the shorter edge becomes <paramref name="size"/> (torchvision's <c>Resize(int)</c>), the longer edge at most <paramref name="maxSize"/>.</summary>
    public Resize(long size, long? maxSize = null, InterpolationMode interpolation = InterpolationMode.Bilinear, bool antialias = true)
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "the size must be positive");
        if (maxSize is { } max && max <= size)
            throw new ArgumentOutOfRangeException(nameof(maxSize), max, $"max_size must be strictly greater than the requested size for the smaller edge ({size})");
        ShortSide = size;
        MaxSize = maxSize;
        Interpolation = interpolation;
        Antialias = antialias;
    }

    /// <summary>Resizes to exactly <paramref name="size"/> (height, width) (torchvision's <c>Resize((h, w))</c>).</summary>
    public Resize(Pair size, InterpolationMode interpolation = InterpolationMode.Bilinear, bool antialias = true)
    {
        if (size.H <= 0 || size.W <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "the size must be positive");
        Size = size;
        Interpolation = interpolation;
        Antialias = antialias;
    }

    /// <summary>The exact output size, or null for a short-side resize.</summary>
    public Pair? Size { get; }

    /// <summary>The target of the shorter edge, or null for an exact-size resize.</summary>
    public long? ShortSide { get; }

    /// <summary>The longest allowed edge of a short-side resize.</summary>
    public long? MaxSize { get; }

    /// <summary>The interpolation mode.</summary>
    public InterpolationMode Interpolation { get; }

    /// <summary>Whether bilinear and bicubic downsampling is antialiased.</summary>
    public bool Antialias { get; }

    /// <inheritdoc/>
    public Tensor Apply(Tensor image, Generator? generator = null)
    {
        ImageFunctional.CheckImage(image, nameof(Resize));
        var size = Size ?? ImageFunctional.ResizedOutputSize(image.Size(-2), image.Size(-1), ShortSide!.Value, MaxSize);
        return ImageFunctional.Resize(image, size, Interpolation, Antialias);
    }
}
