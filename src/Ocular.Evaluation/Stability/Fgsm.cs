using Ocular.Torch;
using Ocular.Vision;

namespace Ocular.Evaluation.Stability;

/// <summary>
/// The fast gradient sign method (Goodfellow et al. 2015) in raw pixel space: x_adv = clamp(x + ε·sign(∇_x CE(f(normalise(x)), y)), 0, 1)
/// with x the raw [0, 1] image and y its true label. The gradient flows through the normalisation, and the clamp keeps
/// x_adv a valid image. LFI-CAM's <c>--perturbation</c> hook (reference lfi-cam.md §4, ε = 0.007) clamped the
/// <em>normalised</em> input to [0, 1] instead (§7 defect 10), which moves most pixels far more than ε; this is the fix
/// the reference prescribes. Pixels where the gradient is exactly 0 do not move (sign 0), as in PyTorch.
/// </summary>
public static class Fgsm
{
    /// <summary>The LFI-CAM paper's ε (its scripts' <c>--eps</c> default), on the [0, 1] pixel scale.</summary>
    public const double PaperEpsilon = 0.007;

    /// <summary>
    /// The adversarial images (a new raw [0, 1] tensor [N, C, H, W]) for <paramref name="rawImages"/> and their
    /// true <paramref name="labels"/> (int64 [N]). The loss is the mean cross-entropy of the batch; the gradient is
    /// taken with <see cref="Autograd.Grad"/>, so no gradient is left on the model's parameters.
    /// </summary>
    /// <param name="logitsOfNormalised">The network: normalised images in, logits [N, K] out (in evaluation mode).</param>
    /// <param name="normalization">The normalisation the network expects.</param>
    /// <param name="rawImages">Raw images in [0, 1], [N, C, H, W] (not modified).</param>
    /// <param name="labels">The true class of each image (int64 [N], non-negative).</param>
    /// <param name="epsilon">ε, the step on the [0, 1] pixel scale (0 &lt; ε ≤ 1).</param>
    /// <exception cref="ArgumentException">ε is out of range, or an image has no label (−1).</exception>
    public static Tensor Attack(Func<Tensor, Tensor> logitsOfNormalised, ImageNormalization normalization, Tensor rawImages, Tensor labels, double epsilon)
    {
        if (!(epsilon > 0 && epsilon <= 1)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "FGSM's ε must be in (0, 1] on the [0, 1] pixel scale");
        if (rawImages.Dim != 4 || labels.Dim != 1 || labels.Size(0) != rawImages.Size(0))
            throw new ArgumentException($"FGSM takes images [N, C, H, W] and one label each, got {Tensor.ShapeString(rawImages.Shape)} and {Tensor.ShapeString(labels.Shape)}");
        using var scope = DisposeScope.Enter();
        var targets = labels.To(ScalarType.Int64);
        if (targets.Lt(0).Any().Item<bool>())
            throw new ArgumentException("FGSM needs the true label of every image, but the data set has unlabelled images (label −1)");
        using var recording = Autograd.EnableGrad();
        var x = rawImages.To(ScalarType.Float32, copy: true).RequiresGrad_();
        var loss = Functional.CrossEntropy(logitsOfNormalised(normalization.Apply(x)), targets);
        var gradient = Autograd.Grad([loss], [x])[0] ?? throw new InvalidOperationException("the loss does not depend on the input images");
        using var _ = Autograd.NoGrad();
        return scope.Keep(x.Detach().Add(gradient.Sign().Mul(epsilon)).Clamp(0, 1));
    }
}
