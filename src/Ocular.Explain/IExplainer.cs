using Ocular.Torch;

namespace Ocular.Explain;

/// <summary>
/// Anything that explains a classifier's decision with one saliency map per image: the post-hoc
/// methods (Grad-CAM, Score-CAM, RISE, …) and the learned explainers (L-CAM, …) alike, so that
/// <c>ocular explain</c> and <c>ocular evaluate</c> treat them the same.
/// </summary>
public interface IExplainer : IDisposable
{
    /// <summary>The method's name as the command line spells it (e.g. <c>grad-cam</c>, <c>l-cam</c>).</summary>
    string Name { get; }

    /// <summary>
    /// Saliency maps for <paramref name="images"/> (normalised, [N, C, H, W], the model's input) and
    /// one target class per image (<paramref name="targets"/>, int64 [N]): float32 [N, H, W] at input
    /// resolution, non-negative, min–max normalised per image to [0, 1] unless the method documents otherwise.
    /// </summary>
    Tensor Explain(Tensor images, Tensor targets);
}
