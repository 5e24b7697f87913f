using Ocular.Torch;

namespace Ocular.Explain.Methods;

/// <summary>The class scores y^c that the methods weight and differentiate.</summary>
internal static class TargetScores
{
    /// <summary>y^{c_n} of each row n of <paramref name="logits"/> [N, classes] for classes <paramref name="targets"/> [N]: the logit or the softmax probability → [N].</summary>
    public static Tensor Of(Tensor logits, Tensor targets, ClassScore score)
    {
        using var scope = DisposeScope.Enter();
        var values = score == ClassScore.Probability ? Functional.Softmax(logits, 1) : logits;
        return scope.Keep(values.Gather(1, targets.Unsqueeze(1)).Squeeze(1));
    }

    /// <summary>y^c for one class <paramref name="target"/> in every row of <paramref name="logits"/> [B, classes] → [B].</summary>
    public static Tensor Of(Tensor logits, long target, ClassScore score)
    {
        using var scope = DisposeScope.Enter();
        var values = score == ClassScore.Probability ? Functional.Softmax(logits, 1) : logits;
        return scope.Keep(values.Select(1, target));
    }
}
