using Ocular.Torch;

namespace Ocular.Vision.Transforms;

/// <summary>
/// An image transform with torchvision's semantics on tensors. The input is a uint8 or floating image
/// [C, H, W] (or a batch [N, C, H, W] where torchvision allows one); the result is a new tensor object
/// that the caller owns (never the input object itself, though it may share its storage, as torchvision's
/// views do). Random transforms draw from <c>generator</c> (libtorch's global generator when null) the same
/// sequence of libtorch draws as torchvision 0.14 does, so a seed reproduces torchvision exactly.
/// </summary>
public interface ITransform
{
    /// <summary>Transforms <paramref name="image"/>, drawing any randomness from <paramref name="generator"/>.</summary>
    Tensor Apply(Tensor image, Generator? generator = null);
}
