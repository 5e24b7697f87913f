using Ocular.Torch;

namespace Ocular.Evaluation.Masking;

/// <summary>
/// L-CAM's <c>drop_Npercent</c> (reference l-cam.md §5), reproduced bit for bit: keeps the top
/// <c>keep</c> % of each map's pixels with their soft values and sets the rest to 0.
/// </summary>
/// <remarks>
/// With muted fraction p = (100 − keep)/100: the threshold m is the ⌊H·W·p⌋-th smallest value
/// (1-based, as <c>torch.kthvalue</c>); values strictly below m become 0; if more than
/// ⌈(1 − p)·H·W⌉ pixels stay positive, the surplus pixels equal to m are zeroed in raster order. Kept
/// pixels are not binarised. When m = 0 fewer pixels may remain (nothing is added back). The
/// arithmetic on p is IEEE double, as in the original, so (1 − 0.85)·50176 = 7526.4000000000015 → 7527.
/// Per image, so batching gives the same result as batch size 1 (defect 12).
/// </remarks>
public static class TopPercentMask
{
    /// <summary>Applies the rule to maps [N, H, W] (float); keep = 100 returns a copy.</summary>
    public static Tensor Keep(Tensor maps, int keepPercent)
    {
        if (keepPercent is < 1 or > 100) throw new ArgumentOutOfRangeException(nameof(keepPercent), keepPercent, "keep percentage must be in 1..100");
        if (maps.Dim != 3) throw new ArgumentException($"maps must be [N, H, W], got shape {Tensor.ShapeString(maps.Shape)}", nameof(maps));
        if (keepPercent == 100) return maps.Clone();

        using var scope = DisposeScope.Enter();
        var percent = (100 - keepPercent) / 100.0;
        var n = maps.Size(0);
        var hw = maps.Size(1) * maps.Size(2);
        var v = (long)Math.Floor(hw * percent);
        var flat = maps.Reshape(n, hw).Clone();
        if (v >= 1)
        {
            var (kth, _) = flat.KthValue(v, dim: 1, keepDim: true);        // m per image
            flat.MaskedFill_(flat.Lt(kth), 0);                            // M[M < m] = 0
            var target = (long)Math.Ceiling((1 - percent) * hw);
            var surplus = flat.Gt(0).Sum([1], keepDim: true).Sub(target);  // count(M > 0) − target
            // The first `surplus` positions equal to m, in raster order, are zeroed.
            var atThreshold = flat.Eq(kth);
            var order = atThreshold.To(ScalarType.Int64).CumSum(1);
            var drop = atThreshold.LogicalAnd(order.Le(surplus));
            flat.MaskedFill_(drop, 0);
        }
        return scope.Keep(flat.View(maps.Shape));
    }
}
