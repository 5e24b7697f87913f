using Ocular.Evaluation.Imputation;
using Ocular.Torch;

namespace Ocular.Evaluation.Metrics;

/// <summary>
/// ROAD: RemOve And Debias (Rong, Leemann et al., ICML 2022). For each percentage q of pixels
/// <b>removed</b> (Ocular states removed, not kept), the q % most salient (MoRF) or least salient
/// (LeRF) pixels of each image are replaced by noisy linear imputation (<see cref="NoisyLinearImputation"/>,
/// on the raw [0, 1] image, which is then normalised); exactly round(q·H·W) pixels are removed, chosen by
/// rank (ties in raster order). Score per percentage: the fraction of images whose top-1 class on the
/// imputed image equals the class predicted on the clean image (T-TAME's score), and the mean
/// probability of that class. MoRF: lower is better; LeRF: higher is better.
/// </summary>
public static class Road
{
    /// <summary>Which pixels go first.</summary>
    public enum Order
    {
        /// <summary>Most relevant first.</summary>
        MostRelevantFirst,
        /// <summary>Least relevant first.</summary>
        LeastRelevantFirst,
    }

    /// <summary>The scores at each percentage.</summary>
    /// <param name="Order">MoRF or LeRF.</param>
    /// <param name="RemovedPercent">The percentages of pixels removed.</param>
    /// <param name="Accuracy">Per percentage: fraction of images still classified as on the clean image (0…1).</param>
    /// <param name="Confidence">Per percentage: mean probability of the clean class.</param>
    /// <param name="KeptPrediction">Per percentage, per image: whether the prediction was kept.</param>
    public sealed record Result(Order Order, int[] RemovedPercent, double[] Accuracy, double[] Confidence, bool[][] KeptPrediction)
    {
        /// <summary>The accuracy averaged over the percentages.</summary>
        public double MeanAccuracy => Accuracy.Average();
    }

    /// <summary>T-TAME's percentages removed: 10, 20, 30, 40, 50, 70, 90.</summary>
    public static readonly int[] DefaultRemovedPercent = [10, 20, 30, 40, 50, 70, 90];

    /// <summary>Evaluates ROAD on raw images [N, C, H, W] and maps [N, H, W].</summary>
    /// <param name="model">Scores the imputed images (normalises them first).</param>
    /// <param name="rawImages">Raw [0, 1] images [N, C, H, W].</param>
    /// <param name="maps">Saliency maps [N, H, W].</param>
    /// <param name="clean">The predictions on the clean images.</param>
    /// <param name="order">MoRF or LeRF.</param>
    /// <param name="removedPercent">Percentages of pixels removed (1…99); default <see cref="DefaultRemovedPercent"/>.</param>
    /// <param name="seed">Seed of the imputation noise.</param>
    /// <param name="progress">Called with the number of percentages done.</param>
    /// <param name="noiseStd">Standard deviation of the imputation noise (ROAD's 0.01; 0 fixes the noise, for comparisons).</param>
    public static Result Evaluate(ModelScorer model, Tensor rawImages, Tensor maps, Predictions clean, Order order, IReadOnlyList<int>? removedPercent = null, ulong seed = 0, Action<int>? progress = null, double noiseStd = NoisyLinearImputation.DefaultNoiseStd)
    {
        MapChecks.RequireMatching(rawImages, maps);
        var percents = (removedPercent ?? DefaultRemovedPercent).ToArray();
        if (percents.Any(p => p is < 1 or > 99)) throw new ArgumentOutOfRangeException(nameof(removedPercent), "ROAD percentages must be in 1..99 (pixels removed)");
        var (h, w) = (maps.Size(1), maps.Size(2));
        var accuracy = new double[percents.Length];
        var confidence = new double[percents.Length];
        var kept = new bool[percents.Length][];
        using var generator = new Generator(seed);
        using var ranks = Rank(maps, order);
        for (var q = 0; q < percents.Length; q++)
        {
            using var scope = DisposeScope.Enter();
            var count = (long)Math.Round(percents[q] / 100.0 * h * w, MidpointRounding.AwayFromZero);
            var removed = ranks.Lt(count).View(-1, h, w);
            var imputed = NoisyLinearImputation.Impute(rawImages, removed, generator, noiseStd);
            var probabilities = model.Probabilities(imputed);
            var same = probabilities.Argmax(1).Eq(clean.Classes);
            kept[q] = same.ToArray<bool>();
            accuracy[q] = same.To(ScalarType.Float64).Mean().Item<double>();
            confidence[q] = clean.ScoredClassOf(probabilities).To(ScalarType.Float64).Mean().Item<double>();
            progress?.Invoke(q + 1);
        }
        return new Result(order, percents, accuracy, confidence, kept);
    }

    // Per image: the rank of each pixel in the removal order, [N, H·W].
    private static Tensor Rank(Tensor maps, Order order)
    {
        using var scope = DisposeScope.Enter();
        var n = maps.Size(0);
        var flat = maps.Reshape(n, -1);
        var (_, indices) = flat.Sort(1, descending: order == Order.MostRelevantFirst, stable: true);
        var positions = Tensor.Arange(flat.Size(1)).Unsqueeze(0).Expand(n, -1).Contiguous();
        return scope.Keep(Tensor.ZerosLike(positions).Scatter(1, indices, positions));
    }
}
