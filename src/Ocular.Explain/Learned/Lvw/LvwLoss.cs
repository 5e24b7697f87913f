using Ocular.Torch;
using Ocular.Vision.Models.Prototypes;
using F = Ocular.Torch.Functional;

namespace Ocular.Explain.Learned.Lvw;

/// <summary>The terms of one batch's loss (scalars; <see cref="Separation"/> and <see cref="Align"/> are null where the mode or the phase has none). Owns its tensors.</summary>
public sealed record LvwLossTerms(Tensor Total, Tensor CrossEntropy, Tensor Cluster, Tensor? Separation, Tensor L1, Tensor? Align) : IDisposable
{
    /// <summary>Frees the tensors.</summary>
    public void Dispose()
    {
        Total.Dispose();
        CrossEntropy.Dispose();
        Cluster.Dispose();
        Separation?.Dispose();
        L1.Dispose();
        Align?.Dispose();
    }
}

/// <summary>
/// The training loss of a prototype network (reference <c>learnable-visual-words.md</c> §3; <c>train_and_test.py</c>).
/// One code path for both modes: LVW's non-class-specific cluster cost and unmasked L1, ProtoPNet's class-specific
/// cluster and separation costs and wrong-class L1; LVW's attention-guided alignment where a target map is given.
/// </summary>
public static class LvwLoss
{
    /// <summary>The number of most similar words whose maps the alignment loss pools (§3: k = 10).</summary>
    public const int AlignWords = 10;

    /// <summary>
    /// The loss of one forward pass. <paramref name="alignTargets"/> [N, H, W] in [0, 1] (the base model's Grad-CAM at the
    /// input's size) switches the alignment term on (LVW after warm-up); null leaves it out.
    /// </summary>
    public static LvwLossTerms Compute(PrototypeNetwork network, PrototypeOutput output, Tensor labels, LvwLossWeights weights, Tensor? alignTargets)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(weights);
        using var scope = DisposeScope.Enter();
        var ce = F.CrossEntropy(output.Logits, labels);
        var lastWeight = network.LastLayer.Weight;
        Tensor cluster, l1;
        Tensor? separation = null;
        if (network.Mode == PrototypeMode.Lvw)
        {
            // The non-class-specific branch: each image's closest word, averaged (§3 "Cluster").
            cluster = output.MinDistances.Min(1).Values.Mean();
            l1 = lastWeight.Abs().Sum();
        }
        else
        {
            // ProtoPNet: distances inverted against max_dist = D·1·1 so that a max picks the closest word of the class.
            double maxDist = network.Dimension;
            var identity = network.ClassIdentity();                                           // [P, K]
            var correct = identity.IndexSelect(1, labels).Transpose(0, 1);                   // [N, P]
            var inverted = output.MinDistances.Neg().Add(maxDist);
            cluster = inverted.Mul(correct).Max(1).Values.Neg().Add(maxDist).Mean();
            var wrong = correct.Neg().Add(1);
            separation = inverted.Mul(wrong).Max(1).Values.Neg().Add(maxDist).Mean();
            l1 = lastWeight.Mul(identity.Transpose(0, 1).Neg().Add(1)).Abs().Sum();
        }
        var total = ce.Mul(weights.CrossEntropy).Add(cluster.Mul(weights.Cluster)).Add(l1.Mul(weights.L1));
        if (separation is not null && weights.Separation != 0) total = total.Add(separation.Mul(weights.Separation));
        Tensor? align = null;
        if (alignTargets is not null)
        {
            align = Align(output, alignTargets);
            total = total.Add(align.Mul(weights.Align));
        }
        return new LvwLossTerms(scope.Keep(total), scope.Keep(ce), scope.Keep(cluster), separation is null ? null : scope.Keep(separation), scope.Keep(l1),
            align is null ? null : scope.Keep(align));
    }

    /// <summary>
    /// The attention-guided alignment (§3 "Align"): the similarity maps of each image's k = 10 closest words (chosen
    /// without gradient), upsampled bilinearly with aligned corners to the target's size, pixel-wise max, divided by the
    /// image's max + 1e-5, and the mean squared error against the target maps [N, H, W].
    /// </summary>
    public static Tensor Align(PrototypeOutput output, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(targets);
        using var scope = DisposeScope.Enter();
        var maps = output.ActivationMaps;
        var (n, h, w) = (maps.Size(0), maps.Size(2), maps.Size(3));
        var k = Math.Min(AlignWords, maps.Size(1));
        Tensor closest;
        using (Autograd.NoGrad()) closest = output.MinDistances.TopK(k, 1, largest: false).Indices;
        var index = closest.View(n, k, 1, 1).Expand([n, k, h, w]);
        var chosen = maps.Gather(1, index);
        var upsampled = F.Interpolate(chosen, new Pair(targets.Size(1), targets.Size(2)), mode: InterpolationMode.Bilinear, alignCorners: true);
        var pooled = upsampled.Max(1).Values.View(n, -1);
        var normalised = pooled.Div(pooled.Max(1, keepDim: true).Values.Add(1e-5));
        return scope.Keep(F.MseLoss(normalised, targets.Reshape(n, -1)));
    }
}
