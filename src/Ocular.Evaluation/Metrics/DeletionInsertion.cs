using Ocular.Torch;

namespace Ocular.Evaluation.Metrics;

/// <summary>
/// Deletion and insertion (Petsiuk et al., RISE, BMVC 2018; <c>eclique/RISE</c> <c>evaluation.py</c>).
/// Pixels are ordered by saliency, highest first (stable order for ties). Deletion starts from the
/// image and replaces <c>step</c> pixels (all channels) per step by a zero substrate; insertion starts
/// from a blurred copy and restores the image's pixels in the same order. After k steps the first
/// min(k·step, H·W) pixels are changed; p_k = softmax probability of the class predicted on the clean
/// image, k = 0 … n with n = ⌈H·W/step⌉. AUC = (Σ_k p_k − (p_0 + p_n)/2)/n (trapezoid).
/// Convention (RISE's): pixels are replaced in the network's input space, i.e. on the normalised
/// image (zero = the mean colour); the blur is RISE's 11×11 kernel from a σ = 5 Gaussian filter of a
/// delta (scipy reflect mode), applied per channel with zero padding 5. Deletion: lower is better;
/// insertion: higher is better.
/// </summary>
public static class DeletionInsertion
{
    /// <summary>Which curve.</summary>
    public enum Kind
    {
        /// <summary>Remove the most salient pixels first (to zero).</summary>
        Deletion,
        /// <summary>Reveal the most salient pixels first (over a blurred copy).</summary>
        Insertion,
    }

    /// <summary>The curves of every image and their areas.</summary>
    /// <param name="Kind">Deletion or insertion.</param>
    /// <param name="Step">Pixels changed per step.</param>
    /// <param name="Curves">p_k for each image: [N][n + 1].</param>
    /// <param name="Auc">The area under each curve [N].</param>
    public sealed record Result(Kind Kind, int Step, float[][] Curves, double[] Auc)
    {
        /// <summary>The mean AUC over images.</summary>
        public double MeanAuc => Auc.Average();
    }

    /// <summary>Computes the curves for raw [0, 1] images [N, C, H, W] and maps [N, H, W].</summary>
    /// <param name="model">The classifier.</param>
    /// <param name="rawImages">Raw images; they are normalised before pixels are replaced.</param>
    /// <param name="maps">Saliency maps at input resolution.</param>
    /// <param name="clean">Clean predictions (the scored class).</param>
    /// <param name="kind">Deletion or insertion.</param>
    /// <param name="step">Pixels per step (RISE uses 224 at 224×224, i.e. 224 steps).</param>
    /// <param name="progress">Called after each image.</param>
    public static Result Evaluate(ModelScorer model, Tensor rawImages, Tensor maps, Predictions clean, Kind kind, int step = 224, Action<int>? progress = null)
    {
        MapChecks.RequireMatching(rawImages, maps);
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), step, "step must be at least 1 pixel");
        var n = (int)rawImages.Size(0);
        var (h, w) = (rawImages.Size(2), rawImages.Size(3));
        var steps = (int)((h * w + step - 1) / step);
        var curves = new float[n][];
        var classes = clean.Classes.ToArray<long>();
        using var normalised = model.Normalization.Apply(rawImages);
        using var blurKernel = kind == Kind.Insertion ? RiseBlurKernel(rawImages.Size(1)) : null;
        for (var i = 0; i < n; i++)
        {
            using var scope = DisposeScope.Enter();
            var image = normalised.Narrow(0, i, 1);
            var rank = PixelRank(maps.Select(0, i)).View(1, 1, h, w);
            Tensor start, end;
            if (kind == Kind.Deletion)
            {
                start = image;
                end = Tensor.ZerosLike(image);
            }
            else
            {
                start = Functional.Conv2d(image, blurKernel!, padding: 5);
                end = image;
            }
            var probabilities = Batching.Map(Tensor.Arange(0, steps + 1, 1), model.BatchSize, ks =>
            {
                var changed = rank.Lt(ks.Mul(step).View(-1, 1, 1, 1));      // [b, 1, H, W]
                var inputs = Tensor.Where(changed, end.Expand(ks.Size(0), -1, -1, -1), start);
                return model.ProbabilitiesOfNormalised(inputs);
            });
            curves[i] = probabilities.Select(1, classes[i]).ToArray<float>();
            progress?.Invoke(i + 1);
        }
        return new Result(kind, step, curves, curves.Select(c => Auc(c)).ToArray());
    }

    /// <summary>Trapezoidal area of a curve sampled at n + 1 equally spaced points on [0, 1].</summary>
    public static double Auc(IReadOnlyList<float> curve)
    {
        if (curve.Count < 2) throw new ArgumentException("a curve needs at least two points");
        var n = curve.Count - 1;
        var sum = curve.Sum(p => (double)p);
        return (sum - (curve[0] + curve[n]) / 2.0) / n;
    }

    /// <summary>rank[p] = position of pixel p when pixels are sorted by saliency, highest first (ties in raster order).</summary>
    internal static Tensor PixelRank(Tensor map)
    {
        using var scope = DisposeScope.Enter();
        var flat = map.Flatten();
        var (_, order) = flat.Sort(0, descending: true, stable: true);
        var positions = Tensor.Arange(flat.Size(0));
        return scope.Keep(Tensor.ZerosLike(positions).Scatter(0, order, positions));
    }

    /// <summary>
    /// RISE's blur: <c>gkern(11, 5)</c> = scipy <c>gaussian_filter</c> (σ = 5, truncate 4 → radius 20,
    /// mode 'reflect', i.e. edge-duplicating) of an 11×11 delta, one copy per channel ([C, C, 11, 11], diagonal).
    /// </summary>
    internal static Tensor RiseBlurKernel(long channels)
    {
        const int klen = 11, radius = 20;
        const double sigma = 5;
        // scipy's _gaussian_kernel1d: exp(−x²/2σ²) normalised over x = −radius … radius.
        var weights = new double[2 * radius + 1];
        for (var x = -radius; x <= radius; x++) weights[x + radius] = Math.Exp(-0.5 / (sigma * sigma) * x * x);
        var total = weights.Sum();
        // 1-D filter of a centred delta with 'reflect' boundaries (period 2·klen, mirrored with the edge repeated).
        var k1 = new double[klen];
        for (var i = 0; i < klen; i++)
            for (var t = -radius; t <= radius; t++)
            {
                var m = ((i + t) % (2 * klen) + 2 * klen) % (2 * klen);
                var source = m < klen ? m : 2 * klen - 1 - m;
                if (source == klen / 2) k1[i] += weights[t + radius] / total;
            }
        var k2 = new float[klen * klen];
        for (var r = 0; r < klen; r++)
            for (var c = 0; c < klen; c++) k2[r * klen + c] = (float)(k1[r] * k1[c]);
        using var kernel = Tensor.FromArray(k2, 1, 1, klen, klen);
        using var eye = Tensor.Eye(channels).View(channels, channels, 1, 1);
        return eye.Mul(kernel);
    }
}
