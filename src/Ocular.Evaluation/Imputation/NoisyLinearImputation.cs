using Ocular.Torch;

namespace Ocular.Evaluation.Imputation;

/// <summary>
/// ROAD's noisy linear imputation (Rong, Leemann et al., ICML 2022; <c>tleemann/road_evaluation</c>):
/// every removed pixel value v_i (per channel) satisfies (Σ_{j∈N(i)} w_j)·v_i = Σ_{j∈N(i)} w_j·v_j over
/// its in-bounds 8-neighbours, w = 1/6 for edge and 1/12 for diagonal neighbours, with known pixels on
/// the right-hand side; then N(0, σ²) noise (σ = 0.01) is added to the imputed values.
/// </summary>
/// <remarks>
/// <para>
/// The sparse system is solved, not approximated: written as A·v = b on the removed set R,
/// A = D − M·K·M with D the in-bounds neighbour weight sums and K the 3×3 neighbour kernel, which is
/// symmetric positive definite whenever at least one pixel is known (then every connected part of R
/// touches a known pixel). Every image and channel is one system; all are solved together.
/// </para>
/// <para>
/// Solver: mixed-precision iterative refinement. The residual b − A·v is computed in float64; the
/// correction is solved in float32 by conjugate gradients preconditioned with one geometric-multigrid
/// V-cycle (masked grids, Jacobi smoothing, bilinear transfers; every operator a depthwise convolution),
/// each pass reducing the residual ~1000-fold, until the float64 residual of every system is at most
/// <c>tolerance</c> times its right-hand side's norm. At 224² that is 2 passes and 4–12 CG iterations in
/// all, scattered or large removed regions alike (unpreconditioned CG needed hundreds for large regions).
/// </para>
/// <para>
/// Stated accuracy (<see cref="StatedAccuracy"/>; tested against scipy's sparse direct solve through
/// pytorch-grad-cam's <c>NoisyLinearImputer</c>, and against a dense solve): with the default tolerance
/// 1e-6, imputed values of [0, 1] images differ from the exact solution by at most 1e-4, before the noise
/// is added — 1 % of the noise's standard deviation. At 224² they differ from the previous float64 solver's
/// by at most ~3e-5.
/// </para>
/// </remarks>
public static class NoisyLinearImputation
{
    /// <summary>ROAD's noise: N(0, 0.01²) added to every imputed value.</summary>
    public const double DefaultNoiseStd = 0.01;

    /// <summary>The default tolerance on each system's relative residual ‖b − A·v‖ / ‖b‖ (float64).</summary>
    public const double DefaultTolerance = 1e-6;

    /// <summary>The stated bound on |imputed − exact| of [0, 1] images at <see cref="DefaultTolerance"/>, before the noise.</summary>
    public const double StatedAccuracy = 1e-4;

    // Each float32 pass reduces its starting residual by this factor: well above float32's floor
    // (~1e-6 relative after accumulated rounding), so every pass makes full progress.
    private const double PassReduction = 1e-3;

    /// <summary>Imputes the removed pixels of images [N, C, H, W]; <paramref name="removed"/> is [N, H, W] (bool).</summary>
    /// <param name="images">Images in the space to impute (Ocular uses raw [0, 1]).</param>
    /// <param name="removed">True where a pixel is removed (all channels).</param>
    /// <param name="generator">Source of the noise.</param>
    /// <param name="noiseStd">Standard deviation of the noise added to imputed values.</param>
    /// <param name="tolerance">Stop when every system's float64 residual norm is at most this times its right-hand side's norm.</param>
    /// <param name="maxIterations">Limit on the preconditioned-CG iterations over all refinement passes (an error is raised if not converged).</param>
    public static Tensor Impute(Tensor images, Tensor removed, Generator generator, double noiseStd = DefaultNoiseStd, double tolerance = DefaultTolerance, int maxIterations = 1000)
    {
        if (images.Dim != 4 || removed.Dim != 3 || removed.Size(0) != images.Size(0) || removed.Size(1) != images.Size(2) || removed.Size(2) != images.Size(3))
            throw new ArgumentException($"images {Tensor.ShapeString(images.Shape)} need a removal mask [N, H, W] of the same size, got {Tensor.ShapeString(removed.Shape)}");
        if (!(tolerance > 0)) throw new ArgumentOutOfRangeException(nameof(tolerance), "the tolerance must be positive");
        using var scope = DisposeScope.Enter();
        // On the 8-connected grid a removed region that is not the whole image always touches a known
        // pixel, so the system is singular exactly when an image has no known pixel at all.
        if (removed.Reshape(removed.Size(0), -1).All(1).Any().Item<bool>())
            throw new ArgumentException("ROAD imputation needs at least one known pixel per image: an image has every pixel removed");
        var (n, c, h, w) = (images.Size(0), images.Size(1), images.Size(2), images.Size(3));
        long[] plane = [2, 3];

        // One system per image and channel: P = N·C planes as the channels of one tensor [1, P, H, W]
        // (the solver's layout), the mask repeated per channel. The system and its residual in float64.
        var x = images.To(ScalarType.Float64).Reshape(1, n * c, h, w);
        var mask = removed.To(ScalarType.Float64).Unsqueeze(1).Expand(n, c, h, w).Reshape(1, n * c, h, w);
        var known = mask.Neg().Add(1);
        var degree = Neighbours(Tensor.Ones([1, 1, h, w], ScalarType.Float64)).Mul(mask);   // in-bounds weight, on R
        var b = Neighbours(x.Mul(known)).Mul(mask);                                       // known neighbours → right-hand side
        Tensor Residual(Tensor v) => b.Sub(degree.Mul(v).Sub(Neighbours(v).Mul(mask)));  // v is zero off R

        var goal = b.Mul(b).Sum(plane, keepDim: true).Sqrt().Mul(tolerance);
        var v = b.Div(degree.ClampMin(1e-12));                                          // start: weighted mean of known neighbours
        var multigrid = new MaskedMultigrid(mask.To(ScalarType.Float32));
        // A pass may stop at half the goal: the float32 residual it sees is the float64 one rounded.
        var floor = goal.Mul(0.5).To(ScalarType.Float32);
        var iterations = 0;
        while (true)
        {
            using var pass = DisposeScope.Enter();
            var r = Residual(v);
            if (r.Mul(r).Sum(plane, keepDim: true).Sqrt().Le(goal).All().Item<bool>()) break;
            if (iterations >= maxIterations)
                throw new InvalidOperationException($"ROAD imputation did not converge in {maxIterations} conjugate-gradient iterations (a removed region may not touch any known pixel, e.g. everything removed)");
            var correction = multigrid.Solve(r.To(ScalarType.Float32), PassReduction, floor, ref iterations, maxIterations);
            v.Add_(correction.To(ScalarType.Float64));
        }
        var noise = Tensor.Randn([1, n * c, h, w], generator, ScalarType.Float64).Mul(noiseStd).Mul(mask);
        var imputed = x.Mul(known).Add(v).Add(noise);
        return scope.Keep(imputed.Reshape(n, c, h, w).To(images.DType));
    }

    // Σ_j w_j t_j over the in-bounds neighbours of every pixel of [1, P, H, W] (float64). Written as
    // shifted sums, K = [1,2,1]ᵀ[1,2,1]/12 − δ/3 (zero padding = in-bounds only): libtorch's float64
    // convolution takes a reference path several times slower than these element-wise passes.
    private static Tensor Neighbours(Tensor t)
    {
        using var scope = DisposeScope.Enter();
        var (h, w) = (t.Size(2), t.Size(3));
        var padded = Functional.Pad(t, [1, 1, 1, 1]);
        var across = padded.Narrow(3, 0, w).Add(padded.Narrow(3, 2, w)).Add_(padded.Narrow(3, 1, w), 2);
        var down = across.Narrow(2, 0, h).Add(across.Narrow(2, 2, h)).Add_(across.Narrow(2, 1, h), 2);
        return scope.Keep(down.Mul_(1.0 / 12).Add_(t, -1.0 / 3));
    }
}
