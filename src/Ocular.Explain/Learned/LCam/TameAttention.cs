using Ocular.Torch;
using Ocular.Torch.Nn;

namespace Ocular.Explain.Learned.LCam;

/// <summary>
/// TAME's multi-layer attention mechanism (reference l-cam.md §8.1, the "TAME" version of <c>composite_models.py</c>):
/// for each layer i with C_i channels, b_i = ReLU(BN(Conv1×1(C_i → C_i)(F_i)) + F_i), bilinearly resized
/// (<c>align_corners=False</c>) to the first layer's spatial size capped at 56; then c = Conv1×1(ΣC_i → classes)(concat b_i).
/// Its batch norms train with the module (they are the AM's own, not the frozen classifier's).
/// </summary>
public sealed class TameAttention : LCamAttention
{
    /// <summary>The largest side the branches are resized to (§8.1 step 5).</summary>
    public const int MaxMapSide = 56;

    /// <summary>Creates the branches for layers of <paramref name="inChannels"/> channels and the fuser to <paramref name="numClasses"/> maps.</summary>
    public TameAttention(IReadOnlyList<long> inChannels, int numClasses)
    {
        if (inChannels.Count == 0 || inChannels.Any(c => c < 1)) throw new ArgumentException("TAME needs one or more layers with at least one channel each", nameof(inChannels));
        if (numClasses < 1) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "the attention mechanism needs at least one class");
        NumClasses = numClasses;
        InChannels = [.. inChannels];
        for (var i = 0; i < inChannels.Count; i++)
        {
            RegisterModule($"conv{i}", new Conv2d(inChannels[i], inChannels[i], 1));
            RegisterModule($"bn{i}", new BatchNorm2d(inChannels[i]));
        }
        RegisterModule("fuser", new Conv2d(inChannels.Sum(), numClasses, 1));
    }

    /// <inheritdoc/>
    public override int NumClasses { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<long> InChannels { get; }

    /// <inheritdoc/>
    public override Tensor Logits(IReadOnlyList<Tensor> features)
    {
        CheckFeatures(features);
        using var scope = DisposeScope.Enter();
        var size = new Pair(Math.Min(features[0].Size(2), MaxMapSide), Math.Min(features[0].Size(3), MaxMapSide));
        var branches = new List<Tensor>();
        for (var i = 0; i < features.Count; i++)
        {
            var b = GetSubmodule($"bn{i}").Call(GetSubmodule($"conv{i}").Call(features[i])).Add(features[i]).Relu();
            if (b.Size(2) != size.H || b.Size(3) != size.W)
                b = Functional.Interpolate(b, size, mode: InterpolationMode.Bilinear, alignCorners: false);
            branches.Add(b);
        }
        return scope.Keep(GetSubmodule("fuser").Call(Tensor.Cat(branches, 1)));
    }
}
