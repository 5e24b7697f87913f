using Ocular.Torch;
using F = Ocular.Torch.Functional;

namespace Ocular.Explain.Learned.Lavise;

/// <summary>
/// The cosine-similarity margin ranking loss of LaViSE (lavise.md §3.1; the original's <c>CSMRLoss</c>): for each
/// prediction v̂_b and its concept words T_b (multi-hot over the L label columns),
/// <c>pos_b = mean_{l ∈ T_b} cos(v̂_b, e_l)</c> and
/// <c>loss_b = Σ_{l ∉ T_b} max(0, margin − pos_b + cos(v̂_b, e_l))</c>; the loss is the mean over b — the paper's eq. (1)
/// with the positive term averaged over a concept's words (a multi-word label such as "traffic light" has two).
/// </summary>
public static class CsmrLoss
{
    /// <summary>Cosine similarities <c>[B, L]</c> of predictions <c>[B, E]</c> with label embeddings <c>[L, E]</c> (any norm).</summary>
    public static Tensor Cosines(Tensor predictions, Tensor labelEmbeddings)
    {
        using var scope = DisposeScope.Enter();
        // The original divides the dot products by the outer product of the norms (no epsilon): a zero prediction gives
        // NaN there, which its loss then zeroes. Normalising with an epsilon gives 0 instead — the same loss.
        var p = F.Normalize(predictions, dim: 1);
        var e = F.Normalize(labelEmbeddings, dim: 1);
        return scope.Keep(p.Matmul(e.Transpose(0, 1)));
    }

    /// <summary>
    /// The loss over the rows of <paramref name="targets"/> that have a positive column (rows without one — a concept
    /// whose words are all unseen — contribute nothing, as the original drops them).
    /// </summary>
    /// <param name="predictions">v̂, <c>[B, E]</c>.</param>
    /// <param name="targets">Multi-hot <c>[B, L]</c> (0/1, any floating type).</param>
    /// <param name="labelEmbeddings">The label columns' embeddings <c>[L, E]</c>.</param>
    /// <param name="margin">The margin (1).</param>
    /// <returns>A scalar; 0 (with a gradient path) when no row has a positive column.</returns>
    public static Tensor Compute(Tensor predictions, Tensor targets, Tensor labelEmbeddings, double margin = 1)
    {
        if (predictions.Dim != 2 || targets.Dim != 2 || predictions.Size(0) != targets.Size(0) || targets.Size(1) != labelEmbeddings.Size(0))
            throw new ArgumentException($"CSMR loss: predictions {Tensor.ShapeString(predictions.Shape)}, targets {Tensor.ShapeString(targets.Shape)} and " +
                                        $"label embeddings {Tensor.ShapeString(labelEmbeddings.Shape)} do not fit ([B, E], [B, L], [L, E])");
        using var scope = DisposeScope.Enter();
        var t = targets.To(predictions.DType);
        var cos = Cosines(predictions, labelEmbeddings);
        var positives = t.Sum(1);
        var pos = (t * cos).Sum(1) / positives.ClampMin(1);
        var negative = 1 - t;
        var terms = (negative * (margin - pos.Unsqueeze(1) + negative * cos)).ClampMin(0);
        var rowLoss = terms.Sum(1);
        var keep = positives.Gt(0).To(predictions.DType);
        var rows = keep.Sum();
        // Mean over the kept rows; with none kept the loss is 0·(something differentiable), so a step is a no-op.
        return scope.Keep((rowLoss * keep).Sum() / rows.ClampMin(1));
    }
}
