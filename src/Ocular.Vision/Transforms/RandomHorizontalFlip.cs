using Ocular.Torch;

namespace Ocular.Vision.Transforms;

/// <summary>Mirrors the image left–right with probability p (torchvision's <c>RandomHorizontalFlip</c>).</summary>
public sealed class RandomHorizontalFlip : ITransform
{
    /// <summary>Creates the transform with flip probability <paramref name="p"/>.</summary>
    public RandomHorizontalFlip(double p = 0.5)
    {
        if (p is < 0 or > 1 || double.IsNaN(p)) throw new ArgumentOutOfRangeException(nameof(p), p, "the probability must be in [0, 1]");
        P = p;
    }

    /// <summary>The flip probability.</summary>
    public double P { get; }

    /// <summary>
    /// Whether <see cref="Apply"/> flips: the one generator draw it makes, so a caller that moves other planes with the
    /// image (a sample's masks, <see cref="Datasets.Sample.ApplyTransform"/>) draws once and flips all of them alike.
    /// </summary>
    public bool DrawFlip(Generator? generator = null)
    {
        // torchvision: if torch.rand(1) < self.p (a float32 draw, compared in float32).
        using var draw = Tensor.Rand([1], generator);
        using var flip = draw.Lt(P);
        return flip.Item<bool>();
    }

    /// <inheritdoc/>
    public Tensor Apply(Tensor image, Generator? generator = null)
    {
        ImageFunctional.CheckImage(image, nameof(RandomHorizontalFlip));
        return DrawFlip(generator) ? ImageFunctional.HorizontalFlip(image) : image.Alias();
    }
}
