using Ocular.Torch;
using Ocular.Vision.Models;

namespace Ocular.Explain.Methods;

/// <summary>
/// RISE (Petsiuk et al., BMVC 2018, arXiv 1806.07421; <c>eclique/RISE</c>; reference §2.10): the saliency of a
/// pixel is the expected class score over random masks that keep it, estimated by Monte Carlo as
/// S^c = (1/(N·p1)) Σ_i f_c(x ⊙ M_i) · M_i, then min–max normalised per image (as the L-CAM baselines do).
/// </summary>
/// <remarks>
/// The masks (<see cref="RiseMasks"/>: N = <see cref="ExplainerOptions.RiseMasks"/>, s = <see cref="ExplainerOptions.RiseGridSize"/>,
/// p1 = <see cref="ExplainerOptions.RiseKeepProbability"/>, drawn from <see cref="ExplainerOptions.Seed"/>) are
/// the same for every image and call. They multiply the normalised input, as in the reference usage, and go through
/// the network <see cref="ExplainerOptions.BatchSize"/> at a time, channels-last, inside libtorch; the score f_c is
/// the softmax probability (eclique wraps the model with a softmax) unless <see cref="ExplainerOptions.Score"/> says
/// otherwise. Only the target class's scores are accumulated (eclique multiplies the scores of every class by
/// every mask).
/// </remarks>
public sealed class Rise(Classifier model, ExplainerOptions options) : ExplainerBase("rise", model, options)
{
    private ClassScore Score => Options.Score ?? ClassScore.Probability;

    /// <inheritdoc/>
    protected override bool AutoPicksBf16 => true;

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object?> Settings => new Dictionary<string, object?>(base.Settings)
    {
        ["masks"] = Options.RiseMasks,
        ["grid_size"] = Options.RiseGridSize,
        ["keep_probability"] = Options.RiseKeepProbability,
        ["seed"] = Options.Seed,
        ["score"] = Score == ClassScore.Logit ? "logit" : "probability",
        ["batch_size"] = Options.BatchSize,
    };

    /// <inheritdoc/>
    protected override Tensor ExplainCore(Tensor images, Tensor targets)
    {
        var (n, height, width) = (images.Size(0), images.Size(2), images.Size(3));
        using var masks = RiseMasks.Draw(Options.RiseMasks, Options.RiseGridSize, Options.RiseKeepProbability, height, width, Options.Seed);
        var classes = targets.ToArray<long>();
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        var saliency = Tensor.Zeros([n, height * width], ScalarType.Float32);
        var hwc = images.Permute(0, 2, 3, 1).Contiguous();   // [N, H, W, C], stored NHWC
        Batching.ForEachRange(masks.Count, Options.BatchSize, (start, count) =>
        {
            using var batchScope = DisposeScope.Enter();
            var m = masks.Batch(start, count);   // M_i [B, H, W]
            var flat = m.View(count, height * width);
            var m4 = m.Unsqueeze(3);
            for (var i = 0; i < n; i++)
            {
                // x ⊙ M_i, built channels-last ([B, H, W, C] seen as [B, C, H, W]).
                var masked = hwc.Narrow(0, i, 1).Mul(m4).Permute(0, 3, 1, 2);
                var p = TargetScores.Of(Model.Call(masked), classes[i], Score);   // f_c(x ⊙ M_i) [B], float32
                using var float32 = Autocast.Float32Region();                      // the accumulation stays float32 under bf16
                saliency.Narrow(0, i, 1).Add_(p.Unsqueeze(0).Matmul(flat));        // Σ_i f_c · M_i
            }
        });
        var estimate = saliency.Div(masks.Count * Options.RiseKeepProbability).View(n, height, width);   // / (N·p1)
        return scope.Keep(SaliencyMaps.Normalize(estimate));
    }
}
