using Ocular.Evaluation.Masking;
using Ocular.Torch;

namespace Ocular.Evaluation.Metrics;

/// <summary>
/// L-CAM's masking protocol (reference l-cam.md §5), shared by Average Drop, Increase in Confidence
/// and Average Gain: for each image, keep the top <c>keep</c> % of its saliency map with soft values
/// (<see cref="TopPercentMask"/>), multiply the <b>raw</b> [0, 1] image by it, normalise, and read the
/// softmax probability O_i of the class predicted on the clean image (Y_i is that class's clean probability).
/// </summary>
public static class ConfidenceChange
{
    /// <summary>The clean and masked confidences of every image at one keep level.</summary>
    /// <param name="KeepPercent">Pixels kept, in percent (100 = the soft map unchanged).</param>
    /// <param name="Clean">Y_i [N].</param>
    /// <param name="Masked">O_i [N].</param>
    /// <param name="MaskedProbabilities">Softmax of the masked images [N, K] (for masked top-1/top-5).</param>
    public sealed record Result(int KeepPercent, float[] Clean, float[] Masked, Tensor MaskedProbabilities) : IDisposable
    {
        /// <summary>Frees the probabilities.</summary>
        public void Dispose() => MaskedProbabilities.Dispose();
    }

    /// <summary>Masks and scores every image at one keep level.</summary>
    /// <param name="model">The classifier.</param>
    /// <param name="rawImages">Raw [0, 1] images [N, C, H, W].</param>
    /// <param name="maps">Saliency maps [N, H, W] at input resolution, in [0, 1].</param>
    /// <param name="clean">The clean predictions (the scored class and Y).</param>
    /// <param name="keepPercent">Pixels kept (100, 50, 15 in L-CAM's tables).</param>
    public static Result Evaluate(ModelScorer model, Tensor rawImages, Tensor maps, Predictions clean, int keepPercent)
    {
        MapChecks.RequireMatching(rawImages, maps);
        using var scope = DisposeScope.Enter();
        var kept = TopPercentMask.Keep(maps, keepPercent);
        var masked = rawImages.Mul(kept.Unsqueeze(1));
        var probabilities = model.Probabilities(masked);
        var o = clean.ScoredClassOf(probabilities);
        return new Result(keepPercent, clean.Confidence.ToArray<float>(), o.ToArray<float>(), DisposeScope.Detach(scope.Keep(probabilities)));
    }
}

/// <summary>Shape checks shared by the metrics.</summary>
internal static class MapChecks
{
    public static void RequireMatching(Tensor rawImages, Tensor maps)
    {
        if (rawImages.Dim != 4) throw new ArgumentException($"images must be [N, C, H, W], got shape {Tensor.ShapeString(rawImages.Shape)}");
        if (maps.Dim != 3) throw new ArgumentException($"saliency maps must be [N, H, W], got shape {Tensor.ShapeString(maps.Shape)}");
        if (maps.Size(0) != rawImages.Size(0) || maps.Size(1) != rawImages.Size(2) || maps.Size(2) != rawImages.Size(3))
            throw new ArgumentException($"saliency maps {Tensor.ShapeString(maps.Shape)} do not match images {Tensor.ShapeString(rawImages.Shape)}: one [H, W] map per image at input resolution is expected");
    }
}
