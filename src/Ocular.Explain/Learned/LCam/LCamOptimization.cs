using System.Globalization;
using Ocular.Torch;
using Ocular.Torch.Optim;
using Ocular.Vision.Models;

namespace Ocular.Explain.Learned.LCam;

/// <summary>
/// The reference's optimiser and schedule (l-cam.md §4.3, with the effective values of §9 defect 4): SGD, momentum 0.9,
/// Nesterov, weight decay 5e-4 on every group (biases included), biases at twice the weights' learning rate.
/// </summary>
public static class LCamOptimization
{
    /// <summary>The effective weight learning rate of the reference for <paramref name="model"/>: 0.01 for VGG, 1e-4 otherwise.</summary>
    public static double DefaultLearningRate(Classifier model) => IsVgg(model) ? 0.01 : 1e-4;

    /// <summary>
    /// The reference's per-epoch decay as an <see cref="Vision.Training.LrSchedule"/>: ×0.75 at the start of epochs 1–22 (VGG),
    /// ×0.95 at the start of epochs 1–12 (otherwise), then constant (0-based epochs, as the reference counts them). It does
    /// not depend on the run's length, so a run can be extended.
    /// </summary>
    public static string DefaultSchedule(Classifier model)
    {
        var (gamma, last) = IsVgg(model) ? ("0.75", 22) : ("0.95", 12);
        var milestones = Enumerable.Range(1, last).Select(e => e.ToString(CultureInfo.InvariantCulture));
        return $"step:{string.Join(',', milestones)},gamma={gamma}";
    }

    /// <summary>SGD over <paramref name="attention"/>'s parameters: weights at <paramref name="lr"/>, biases at <paramref name="biasFactor"/>×.</summary>
    public static Sgd CreateOptimizer(LCamAttention attention, double lr, double biasFactor, double momentum, bool nesterov, double weightDecay)
    {
        var named = attention.NamedParameters().ToList();
        bool IsBias((string Path, Torch.Nn.Parameter Parameter) p) => p.Path.EndsWith("bias", StringComparison.Ordinal);
        var groups = new List<ParamGroup>
        {
            new(named.Where(p => !IsBias(p)).Select(p => (Tensor)p.Parameter), lr),
            new(named.Where(IsBias).Select(p => (Tensor)p.Parameter), lr * biasFactor),
        };
        return new Sgd(groups, lr, momentum: momentum, weightDecay: weightDecay, nesterov: nesterov);
    }

    private static bool IsVgg(Classifier model) => model.Architecture.StartsWith("vgg", StringComparison.Ordinal);
}
