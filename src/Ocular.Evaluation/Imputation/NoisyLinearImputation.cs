using Ocular.Torch;

namespace Ocular.Evaluation.Imputation;

/// <summary>
/// ROAD's noisy linear imputation (Rong, Leemann et al., ICML 2022; <c>tleemann/road_evaluation</c>):
/// every removed pixel value v_i (per channel) satisfies (Σ_{j∈N(i)} w_j)·v_i = Σ_{j∈N(i)} w_j·v_j over
/// its in-bounds 8-neighbours, w = 1/6 for edge and 1/12 for diagonal neighbours, with known pixels on
/// the right-hand side; then N(0, σ²) noise (σ = 0.01) is added to the imputed values.
/// </summary>
/// <remarks>
/// The sparse system is solved exactly (to a tolerance), not approximated: written as A·v = b on the
/// removed set R, A = D − M·K·M with D the in-bounds neighbour weight sums and K the 3×3 neighbour
/// kernel, which is symmetric positive definite whenever at least one pixel is known (then every
/// connected part of R touches a known pixel). It is solved by conjugate gradients whose operator is one 3×3 convolution in libtorch,
/// batched over every image and channel at once (one CG system each).
/// </remarks>
public static class NoisyLinearImputation
{
    /// <summary>Imputes the removed pixels of images [N, C, H, W]; <paramref name="removed"/> is [N, H, W] (bool).</summary>
    /// <param name="images">Images in the space to impute (Ocular uses raw [0, 1]).</param>
    /// <param name="removed">True where a pixel is removed (all channels).</param>
    /// <param name="generator">Source of the noise.</param>
    /// <param name="noiseStd">Standard deviation of the noise added to imputed values.</param>
    /// <param name="tolerance">CG stops when every system's residual norm is below this times its right-hand side's norm.</param>
    /// <param name="maxIterations">CG iteration limit (an error is raised if not converged).</param>
    public static Tensor Impute(Tensor images, Tensor removed, Generator generator, double noiseStd = 0.01, double tolerance = 1e-6, int maxIterations = 5000)
    {
        if (images.Dim != 4 || removed.Dim != 3 || removed.Size(0) != images.Size(0) || removed.Size(1) != images.Size(2) || removed.Size(2) != images.Size(3))
            throw new ArgumentException($"images {Tensor.ShapeString(images.Shape)} need a removal mask [N, H, W] of the same size, got {Tensor.ShapeString(removed.Shape)}");
        using var scope = DisposeScope.Enter();
        // On the 8-connected grid a removed region that is not the whole image always touches a known
        // pixel, so the system is singular exactly when an image has no known pixel at all.
        if (removed.Reshape(removed.Size(0), -1).All(1).Any().Item<bool>())
            throw new ArgumentException("ROAD imputation needs at least one known pixel per image: an image has every pixel removed");
        var (n, c, h, w) = (images.Size(0), images.Size(1), images.Size(2), images.Size(3));
        var x = images.To(ScalarType.Float64).Reshape(n * c, 1, h, w);
        var mask = removed.To(ScalarType.Float64).Unsqueeze(1).Expand(n, c, h, w).Reshape(n * c, 1, h, w);
        var known = mask.Neg().Add(1);
        var kernel = Tensor.FromArray(new double[] { 1.0 / 12, 1.0 / 6, 1.0 / 12, 1.0 / 6, 0, 1.0 / 6, 1.0 / 12, 1.0 / 6, 1.0 / 12 }, 1, 1, 3, 3);
        Tensor Neighbours(Tensor t) => Functional.Conv2d(t, kernel, padding: 1);   // Σ_j w_j t_j over in-bounds neighbours

        var degree = Neighbours(Tensor.OnesLike(x)).Mul(mask);                     // D on R
        var b = Neighbours(x.Mul(known)).Mul(mask);                                 // known neighbours → right-hand side
        Tensor Apply(Tensor v) => degree.Mul(v).Sub(Neighbours(v.Mul(mask)).Mul(mask));

        var v = b.Div(degree.ClampMin(1e-12));                                      // start: weighted mean of known neighbours
        var r = b.Sub(Apply(v));
        var p = r.Clone();
        var rr = r.Mul(r).Sum([1, 2, 3], keepDim: true);
        var bNorm = b.Mul(b).Sum([1, 2, 3], keepDim: true).Sqrt().ClampMin(1e-30);
        for (var iteration = 0; ; iteration++)
        {
            using var step = DisposeScope.Enter();
            var converged = rr.Sqrt().Div(bNorm).Le(tolerance).All().Item<bool>();
            if (converged) break;
            if (iteration >= maxIterations)
                throw new InvalidOperationException($"ROAD imputation did not converge in {maxIterations} conjugate-gradient iterations (a removed region may not touch any known pixel, e.g. everything removed)");
            var ap = Apply(p);
            var pap = p.Mul(ap).Sum([1, 2, 3], keepDim: true);
            var alpha = Tensor.Where(pap.Gt(0), rr.Div(pap), 0.0);
            v.Add_(p.Mul(alpha));
            r.Sub_(ap.Mul(alpha));
            var rrNew = r.Mul(r).Sum([1, 2, 3], keepDim: true);
            var beta = Tensor.Where(rr.Gt(0), rrNew.Div(rr), 0.0);
            p.Mul_(beta).Add_(r);
            rr.Copy_(rrNew);
        }
        var noise = Tensor.Randn(x.Shape, generator, ScalarType.Float64).Mul(noiseStd).Mul(mask);
        var imputed = x.Mul(known).Add(v.Mul(mask)).Add(noise);
        return scope.Keep(imputed.Reshape(n, c, h, w).To(images.DType));
    }
}
