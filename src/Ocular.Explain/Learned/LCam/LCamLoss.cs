using Ocular.Torch;
using F = Ocular.Torch.Functional;

namespace Ocular.Explain.Learned.LCam;

/// <summary>The terms of one evaluation of the L-CAM loss (each a scalar tensor, owned by the caller).</summary>
/// <param name="Total">λ3·CE + λ2·area + λ1·TV.</param>
/// <param name="CrossEntropy">CE, unweighted.</param>
/// <param name="Area">mean((A + offset)^λ4), unweighted.</param>
/// <param name="TotalVariation">TV(A), unweighted.</param>
public sealed record LCamLossTerms(Tensor Total, Tensor CrossEntropy, Tensor Area, Tensor TotalVariation) : IDisposable
{
    /// <summary>Frees the four tensors.</summary>
    public void Dispose()
    {
        Total.Dispose();
        CrossEntropy.Dispose();
        Area.Dispose();
        TotalVariation.Dispose();
    }
}

/// <summary>
/// The L-CAM loss (reference l-cam.md §3, <c>get_loss</c> of the original model files):
/// L = λ3·CE(logits, y) + λ2·mean((A + 0.0005)^λ4) + λ1·TV(A), with A the sigmoid maps at feature resolution.
/// </summary>
public static class LCamLoss
{
    /// <summary>
    /// The maps that enter the area and TV terms (§3 "Which maps enter the loss", §9 defect 1): from the attention maps
    /// a [N, classes, h, w] and the targets y [N], a[n, y_n] as [N, 1, h, w] (<see cref="MaskLossSelection.OwnClass"/>)
    /// or a[:, y] as [N, N, h, w] (<see cref="MaskLossSelection.CrossLabel"/>, the original code's <c>get_a(labels)</c>).
    /// </summary>
    public static Tensor SelectMaps(Tensor attention, Tensor targets, MaskLossSelection selection = MaskLossSelection.OwnClass)
    {
        if (attention.Dim != 4) throw new ArgumentException($"expected attention maps [N, classes, h, w], got {Tensor.ShapeString(attention.Shape)}", nameof(attention));
        if (selection == MaskLossSelection.CrossLabel) return attention.IndexSelect(1, targets);
        return OwnMaps(attention, targets);
    }

    /// <summary>Each image's own map: x[n, y_n] of x [N, classes, h, w] as [N, 1, h, w] (§2.3 step 4).</summary>
    public static Tensor OwnMaps(Tensor maps, Tensor targets)
    {
        var (n, h, w) = (maps.Size(0), maps.Size(2), maps.Size(3));
        if (targets.Dim != 1 || targets.Size(0) != n)
            throw new ArgumentException($"expected one target per image ([{n}]), got {Tensor.ShapeString(targets.Shape)}", nameof(targets));
        using var index = targets.View(n, 1, 1, 1).Expand(n, 1, h, w);
        return maps.Gather(1, index);
    }

    /// <summary>The area term mean((A + <paramref name="offset"/>)^<paramref name="exponent"/>), over every element of A (§3).</summary>
    public static Tensor Area(Tensor maps, double exponent = 0.3, double offset = 0.0005)
    {
        using var shifted = maps.Add(offset);
        using var powered = shifted.Pow(exponent);
        return powered.Mean();
    }

    /// <summary>
    /// The total variation of maps A [B, J, H, W] exactly as §3 defines it:
    /// ( Σ (A[b,j,i+1,l] − A[b,j,i,l])² + Σ (A[b,j,i,l+1] − A[b,j,i,l])²
    ///   + 0.3·Σ ( A[b,j,0,l]² + A[b,j,H−1,l]² + A[b,j,i,0]² + A[b,j,i,W−1]² ) ) / (2·B):
    /// the border sum covers the full first and last rows and columns (corners twice), and the divisor is 2·B.
    /// </summary>
    public static Tensor TotalVariation(Tensor maps)
    {
        if (maps.Dim != 4) throw new ArgumentException($"expected maps [B, J, H, W], got {Tensor.ShapeString(maps.Shape)}", nameof(maps));
        var (b, h, w) = (maps.Size(0), maps.Size(2), maps.Size(3));
        using var scope = DisposeScope.Enter();
        var rows = maps.Slice(2, 1, h).Sub(maps.Slice(2, 0, h - 1)).Square().Sum();
        var cols = maps.Slice(3, 1, w).Sub(maps.Slice(3, 0, w - 1)).Square().Sum();
        var border = maps.Select(2, 0).Square().Sum()
            .Add(maps.Select(2, h - 1).Square().Sum())
            .Add(maps.Select(3, 0).Square().Sum())
            .Add(maps.Select(3, w - 1).Square().Sum());
        return scope.Keep(rows.Add(cols).Add(border.Mul(0.3)).Div(2.0 * b));
    }

    /// <summary>
    /// The loss of masked-input <paramref name="logits"/> [N, classes] against <paramref name="targets"/> [N] with the
    /// selected sigmoid <paramref name="maps"/> (<see cref="SelectMaps"/>): λ3·CE + λ2·area + λ1·TV.
    /// </summary>
    public static LCamLossTerms Compute(Tensor logits, Tensor targets, Tensor maps, LCamLossWeights? weights = null)
    {
        weights ??= LCamLossWeights.Reference;
        var ce = F.CrossEntropy(logits, targets);
        var area = Area(maps, weights.AreaExponent, weights.AreaOffset);
        var tv = TotalVariation(maps);
        using var scope = DisposeScope.Enter();
        var total = ce.Mul(weights.CrossEntropy).Add(area.Mul(weights.Area)).Add(tv.Mul(weights.Smoothness));
        return new LCamLossTerms(scope.Keep(total), ce, area, tv);
    }
}
