using Ocular.Torch;

namespace Ocular.Explain.Methods;

/// <summary>
/// The class scores y^c that the methods weight and differentiate, always float32: under bfloat16 autocast the logits
/// come out of the last linear layer in bfloat16, and libtorch 1.13's CPU autocast leaves softmax in the input's type, so
/// the scores are widened before the softmax and before any method subtracts or weights them.
/// </summary>
internal static class TargetScores
{
    /// <summary>y^{c_n} of each row n of <paramref name="logits"/> [N, classes] for classes <paramref name="targets"/> [N]: the logit or the softmax probability → [N].</summary>
    public static Tensor Of(Tensor logits, Tensor targets, ClassScore score)
    {
        using var scope = DisposeScope.Enter();
        var values = Scores(logits, score);
        return scope.Keep(values.Gather(1, targets.Unsqueeze(1)).Squeeze(1));
    }

    /// <summary>y^c for one class <paramref name="target"/> in every row of <paramref name="logits"/> [B, classes] → [B].</summary>
    public static Tensor Of(Tensor logits, long target, ClassScore score)
    {
        using var scope = DisposeScope.Enter();
        var values = Scores(logits, score);
        return scope.Keep(values.Select(1, target));
    }

    private static Tensor Scores(Tensor logits, ClassScore score)
    {
        var wide = logits.DType == ScalarType.Float32 ? logits : logits.To(ScalarType.Float32);
        return score == ClassScore.Probability ? Functional.Softmax(wide, 1) : wide;
    }
}
