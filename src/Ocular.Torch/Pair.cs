namespace Ocular.Torch;

/// <summary>
/// A (height, width) pair for kernel sizes, strides, paddings and output sizes; a single number
/// means the same value for both, as in PyTorch.
/// </summary>
/// <param name="H">The first (height) value.</param>
/// <param name="W">The second (width) value.</param>
public readonly record struct Pair(long H, long W)
{
    /// <summary>The same value for height and width.</summary>
    public static implicit operator Pair(long value) => new(value, value);

    /// <summary>(height, width).</summary>
    public static implicit operator Pair((long H, long W) value) => new(value.H, value.W);

    internal long[] ToArray() => [H, W];

    /// <inheritdoc/>
    public override string ToString() => H == W ? H.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"({H}, {W})";
}

/// <summary>How a loss reduces its per-element values (libtorch's <c>at::Reduction</c> codes).</summary>
public enum Reduction
{
    /// <summary>One loss per element.</summary>
    None = 0,
    /// <summary>The mean (weighted mean for class-weighted losses).</summary>
    Mean = 1,
    /// <summary>The sum.</summary>
    Sum = 2,
}

/// <summary>Interpolation modes of <c>Functional.Interpolate</c> (<c>F.interpolate</c>'s <c>mode</c>).</summary>
public enum InterpolationMode
{
    /// <summary>PyTorch's legacy "nearest" (floor of the scaled index).</summary>
    Nearest,
    /// <summary>"nearest-exact": the nearest pixel centre (matches PIL and scikit-image).</summary>
    NearestExact,
    /// <summary>Bilinear.</summary>
    Bilinear,
    /// <summary>Bicubic (a = −0.75, as PyTorch).</summary>
    Bicubic,
    /// <summary>"area": adaptive average pooling.</summary>
    Area,
}
