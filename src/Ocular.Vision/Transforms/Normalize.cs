using Ocular.Torch;

namespace Ocular.Vision.Transforms;

/// <summary>(image − mean) / std per channel, as torchvision's <c>Normalize</c> (floating images only); see <see cref="ImageNormalization"/>.</summary>
public sealed class Normalize : ITransform
{
    /// <summary>Creates the transform; <paramref name="mean"/> and <paramref name="std"/> have one value per channel (or one for all).</summary>
    public Normalize(double[] mean, double[] std) : this(new ImageNormalization([.. mean], [.. std]))
    {
        if (mean.Length == 0 || std.Length == 0) throw new ArgumentException("mean and std need at least one value");
    }

    /// <summary>Creates the transform from a normalisation.</summary>
    public Normalize(ImageNormalization normalization) => Normalization = normalization;

    /// <summary>ImageNet's channel means and standard deviations (torchvision's classification weights).</summary>
    public static Normalize ImageNet() => new(ImageNormalization.ImageNet);

    /// <summary>The normalisation applied.</summary>
    public ImageNormalization Normalization { get; }

    /// <summary>The per-channel means.</summary>
    public IReadOnlyList<double> Mean => Normalization.Mean;

    /// <summary>The per-channel standard deviations.</summary>
    public IReadOnlyList<double> Std => Normalization.Std;

    /// <inheritdoc/>
    public Tensor Apply(Tensor image, Generator? generator = null)
    {
        ImageFunctional.CheckImage(image, nameof(Normalize));
        return Normalization.Apply(image);
    }
}
