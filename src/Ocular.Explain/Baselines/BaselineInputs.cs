using Ocular.Torch;

namespace Ocular.Explain.Baselines;

/// <summary>The input check of the baselines, which ignore the model (so <see cref="ExplainerBase"/>'s model checks do not apply).</summary>
internal static class BaselineInputs
{
    /// <summary>Images must be [N, C, H, W] with one target per image.</summary>
    public static void Check(string name, Tensor images, Tensor targets)
    {
        if (images.Dim != 4) throw new ArgumentException($"{name}: images must be [N, C, H, W], got shape {Tensor.ShapeString(images.Shape)}", nameof(images));
        if (targets.Dim != 1 || targets.Size(0) != images.Size(0))
            throw new ArgumentException($"{name}: one target per image expected ([{images.Size(0)}]), got shape {Tensor.ShapeString(targets.Shape)}", nameof(targets));
    }
}
