using Ocular.Torch;

namespace Ocular.Vision.Transforms;

/// <summary>
/// An image transform, as in <c>torchvision.transforms</c>: takes a <c>[C, H, W]</c> image (uint8 or
/// float) and returns a new tensor that the caller owns (never the input object itself). Random
/// transforms draw every random number from the generator passed to <see cref="Apply(Tensor, Generator?)"/>,
/// so that a seeded generator reproduces the result. Implementations must be safe to call from several
/// threads at once (the data loader's workers).
/// </summary>
public interface ITransform
{
    /// <summary>Transforms <paramref name="image"/> (<c>[C, H, W]</c>, uint8 or float) into a new, caller-owned tensor.</summary>
    /// <param name="image">The image; it is not modified.</param>
    /// <param name="generator">The source of randomness for random transforms (libtorch's global generator when null).</param>
    Tensor Apply(Tensor image, Generator? generator = null);
}
