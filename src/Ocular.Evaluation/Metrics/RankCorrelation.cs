using Ocular.Torch;

namespace Ocular.Evaluation.Metrics;

/// <summary>
/// Spearman's rank correlation between paired maps, per image, as <c>scipy.stats.spearmanr</c> computes
/// it: every map's pixels are ranked with <b>ties given their average rank</b> (1-based), and ρ is the
/// Pearson correlation of the two rank vectors. A map whose pixels are all equal has no rank order: its
/// ρ is NaN (scipy's answer too). Computed in float64 on tensors (sort, then average ranks per run of equal values).
/// </summary>
public static class RankCorrelation
{
    /// <summary>ρ for each pair of maps [N, H, W] (or [N, P]): a float64 tensor [N], NaN where either map is constant.</summary>
    public static Tensor Spearman(Tensor a, Tensor b)
    {
        if (a.Dim < 2 || !a.Shape.SequenceEqual(b.Shape))
            throw new ArgumentException($"rank correlation needs two map sets of the same shape [N, …], got {Tensor.ShapeString(a.Shape)} and {Tensor.ShapeString(b.Shape)}");
        using var scope = DisposeScope.Enter();
        var n = a.Size(0);
        var ra = AverageRanks(a.Reshape(n, -1));
        var rb = AverageRanks(b.Reshape(n, -1));
        var ca = ra.Sub(ra.Mean([1], keepDim: true));
        var cb = rb.Sub(rb.Mean([1], keepDim: true));
        var covariance = ca.Mul(cb).Sum([1]);
        var scale = ca.Square().Sum([1]).Mul(cb.Square().Sum([1])).Sqrt();
        return scope.Keep(Tensor.Where(scale.Gt(0), covariance.Div(scale.ClampMin(1e-300)), double.NaN));
    }

    /// <summary>
    /// Average ranks (1-based, ties share the mean of the ranks they span, scipy's <c>rankdata(method='average')</c>)
    /// of every row of <paramref name="rows"/> [N, P], as float64 [N, P].
    /// </summary>
    public static Tensor AverageRanks(Tensor rows)
    {
        if (rows.Dim != 2) throw new ArgumentException($"expected [N, P] rows, got shape {Tensor.ShapeString(rows.Shape)}");
        using var scope = DisposeScope.Enter();
        var (n, p) = (rows.Size(0), rows.Size(1));
        var (sorted, order) = rows.To(ScalarType.Float64).Sort(1, stable: true);
        // A run of equal values is one group: group ids 0, 1, … along each sorted row.
        var first = Tensor.Ones([n, 1], ScalarType.Bool);
        var newGroup = p > 1 ? Tensor.Cat([first, sorted.Narrow(1, 1, p - 1).Ne(sorted.Narrow(1, 0, p - 1))], 1) : first;
        var group = newGroup.To(ScalarType.Int64).CumSum(1).Sub(1);
        var counts = Tensor.Zeros([n, p], ScalarType.Float64).ScatterAdd(1, group, Tensor.Ones([n, p], ScalarType.Float64));
        var starts = counts.CumSum(1).Sub(counts);                     // 0-based position of each group's first element
        var groupRank = starts.Add(counts.Sub(1).Div(2)).Add(1);      // mean of the 1-based ranks start+1 … start+count
        var sortedRanks = groupRank.Gather(1, group);
        return scope.Keep(Tensor.ZerosLike(sortedRanks).Scatter(1, order, sortedRanks));
    }
}
