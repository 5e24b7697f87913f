using Ocular.Torch;

namespace Ocular.Evaluation.Metrics;

/// <summary>Top-k accuracy of probabilities or logits [N, K] against labels [N], in percent (higher is better).</summary>
public static class Accuracy
{
    /// <summary>Per image: whether the label is among the top <paramref name="k"/> classes.</summary>
    public static bool[] PerImage(Tensor scores, Tensor labels, int k = 1)
    {
        if (scores.Dim != 2 || labels.Dim != 1 || labels.Size(0) != scores.Size(0))
            throw new ArgumentException($"scores must be [N, K] and labels [N], got {Tensor.ShapeString(scores.Shape)} and {Tensor.ShapeString(labels.Shape)}");
        using var scope = DisposeScope.Enter();
        var kk = Math.Min(k, scores.Size(1));
        var (_, top) = scores.TopK(kk, 1);
        return top.Eq(labels.To(ScalarType.Int64).Unsqueeze(1)).Any(1).ToArray<bool>();
    }

    /// <summary>Top-k accuracy in percent.</summary>
    public static double TopK(Tensor scores, Tensor labels, int k = 1) =>
        PerImage(scores, labels, k).Average(hit => hit ? 100.0 : 0.0);
}
