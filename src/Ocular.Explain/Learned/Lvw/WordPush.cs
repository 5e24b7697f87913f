using System.Diagnostics;
using Ocular.Torch;
using Ocular.Vision;
using Ocular.Vision.Data;
using Ocular.Vision.Datasets;
using Ocular.Vision.Images;
using Ocular.Vision.Models.Prototypes;
using Ocular.Vision.Transforms;

namespace Ocular.Explain.Learned.Lvw;

/// <summary>Where one word was projected: the training image, the latent position and the image regions that show it.</summary>
/// <param name="Word">The word's index j.</param>
/// <param name="Image">The image's index in the training split.</param>
/// <param name="Path">The image's file, where the data set has files.</param>
/// <param name="Label">The image's class.</param>
/// <param name="Y">The latent row.</param>
/// <param name="X">The latent column.</param>
/// <param name="Distance">The squared distance to the patch before the projection (0 after it).</param>
/// <param name="ReceptiveField">The patch's receptive field in the (resized) image: [y0, y1, x0, x1), end exclusive.</param>
/// <param name="HighActivation">The box around the word's similarity on its image at ≥ the 95th percentile (bicubic upsampling, <c>find_high_activation_crop</c>): [y0, y1, x0, x1).</param>
public sealed record WordSource(int Word, int Image, string? Path, int Label, int Y, int X, double Distance, int[] ReceptiveField, int[] HighActivation);

/// <summary>The outcome of one push.</summary>
/// <param name="Words">Each word's source, by word index.</param>
/// <param name="DistinctPatches">How many distinct (image, position) patches the words landed on (defect §8.11's diagnostic: several words may collapse onto one).</param>
/// <param name="InputSize">The side of the images the boxes refer to.</param>
/// <param name="Seconds">The push's duration.</param>
public sealed record PushResult(IReadOnlyList<WordSource> Words, int DistinctPatches, int InputSize, double Seconds);

/// <summary>
/// The push (projection) of ProtoPNet and Learnable Visual Words (reference <c>learnable-visual-words.md</c> §5;
/// <c>push.py</c>): every word is replaced by the latent patch closest to it among the training images — any image for
/// LVW, the images of the word's class for ProtoPNet. One pass over the data, with the distances of a batch reduced
/// for all words at once (the original loops over the words in Python for every batch).
/// </summary>
public static class WordPush
{
    /// <summary>The percentile of <c>find_high_activation_crop</c>.</summary>
    public const double HighActivationPercentile = 95;

    /// <summary>
    /// Pushes the words of <paramref name="network"/> (in evaluation mode for the pass; its training mode is restored)
    /// onto the patches of <paramref name="dataset"/>, read with <paramref name="rawTransform"/> (unaugmented, [0, 1]) and
    /// normalised with <paramref name="normalization"/>. The index recorded for an image is its sample's (a subset's
    /// samples keep their index in the split).
    /// </summary>
    /// <exception cref="InvalidOperationException">A ProtoPNet word's class has no image in the data set.</exception>
    public static PushResult Push(PrototypeNetwork network, IImageDataset dataset, ITransform rawTransform, ImageNormalization normalization, int batchSize, int workers,
        Action<int, int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(normalization);
        var clock = Stopwatch.StartNew();
        var p = network.NumWords;
        var best = Enumerable.Repeat(double.PositiveInfinity, p).ToArray();
        var sources = new (int Image, string? Path, int Label, int Y, int X)[p];
        var dimension = network.Dimension;
        var patches = new float[p * dimension];
        float[][] bestMaps = new float[p][];
        var (h, w) = (0L, 0L);
        var wasTraining = network.Training;
        network.Eval();
        try
        {
            using var identity = network.ClassIdentity();
            var loader = new DataLoader(dataset, new DataLoaderOptions { BatchSize = batchSize, Workers = workers, Transform = rawTransform });
            var done = 0;
            foreach (var batch in loader.Epoch(0))
            {
                using (batch)
                using (var scope = DisposeScope.Enter())
                using (Autograd.NoGrad())
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var z = network.Latent(normalization.Apply(batch.Images));
                    var d = network.Distances(z);
                    var b = d.Size(0);
                    (h, w) = (d.Size(2), d.Size(3));
                    var searched = d;
                    if (network.Mode == PrototypeMode.ProtoPNet)
                    {
                        // Only the images of the word's own class count (push.py's class_to_img_index_dict).
                        var own = identity.IndexSelect(1, batch.Labels).Transpose(0, 1).View(b, p, 1, 1);
                        searched = Tensor.Where(own.Gt(0), d, double.PositiveInfinity);
                    }
                    var (values, indices) = searched.Permute(1, 0, 2, 3).Reshape(p, -1).Min(1);
                    var minima = values.ToArray<float>();
                    var positions = indices.ToArray<long>();
                    var improved = new List<int>();
                    var labels = batch.Labels.ToArray<long>();
                    for (var j = 0; j < p; j++)
                    {
                        if (!(minima[j] < best[j])) continue;   // strictly smaller: the first image wins a tie, as np.argmin and push.py's '<'
                        var flat = positions[j];
                        var n = (int)(flat / (h * w));
                        var (y, x) = ((int)(flat % (h * w) / w), (int)(flat % w));
                        best[j] = minima[j];
                        sources[j] = (batch.Indices[n], batch.Paths[n], (int)labels[n], y, x);
                        improved.Add(j);
                    }
                    if (improved.Count > 0)
                    {
                        // The patch z[n, :, y, x] of each improved word, and its distance map on that image.
                        var words = Tensor.FromArray([.. improved.Select(j => (long)j)], improved.Count);
                        var flat = indices.IndexSelect(0, words);
                        var latent = z.Permute(0, 2, 3, 1).Reshape(-1, dimension).IndexSelect(0, flat).Contiguous().ToArray<float>();
                        var images = Tensor.FromArray([.. improved.Select(j => positions[j] / (h * w))], improved.Count);
                        var maps = d.IndexSelect(0, images).Gather(1, words.View(-1, 1, 1, 1).Expand([improved.Count, 1, h, w])).Contiguous().ToArray<float>();
                        for (var i = 0; i < improved.Count; i++)
                        {
                            Array.Copy(latent, i * dimension, patches, improved[i] * dimension, dimension);
                            bestMaps[improved[i]] = maps[(int)(i * h * w)..(int)((i + 1) * h * w)];
                        }
                    }
                    done += batch.Count;
                    progress?.Invoke(done, dataset.Count);
                }
            }
            var missing = Enumerable.Range(0, p).Where(j => double.IsPositiveInfinity(best[j])).ToList();
            if (missing.Count > 0)
                throw new InvalidOperationException($"push: {missing.Count} word(s) found no patch (e.g. word {missing[0]} of class {missing[0] / network.WordsPerClass}): " +
                                                    "with class-specific words every class needs training images");

            using (var projected = Tensor.FromArray(patches, p, dimension, 1, 1))
            using (Autograd.NoGrad())
                network.Words.Copy_(projected);
            var inputSize = checked((int)InputSide(dataset, rawTransform));
            var field = network.ReceptiveFieldAt(inputSize);
            var result = new List<WordSource>(p);
            for (var j = 0; j < p; j++)
            {
                var s = sources[j];
                var (y0, y1, x0, x1) = field.Box(s.Y, s.X, inputSize);
                using var map = Tensor.FromArray(bestMaps[j], h, w);
                result.Add(new WordSource(j, s.Image, s.Path, s.Label, s.Y, s.X, best[j], [y0, y1, x0, x1], HighActivationBox(map, inputSize)));
            }
            var distinct = result.Select(r => (r.Image, r.Y, r.X)).Distinct().Count();
            return new PushResult(result, distinct, inputSize, clock.Elapsed.TotalSeconds);
        }
        finally
        {
            network.Train(wasTraining);
        }
    }

    /// <summary>
    /// <c>find_high_activation_crop</c>: the similarity of a distance map [h, w] upsampled to the image with OpenCV's
    /// bicubic interpolation, and the bounding box [y0, y1, x0, x1) of the pixels at or above its 95th percentile.
    /// </summary>
    public static int[] HighActivationBox(Tensor distanceMap, int inputSize)
    {
        ArgumentNullException.ThrowIfNull(distanceMap);
        using var scope = DisposeScope.Enter();
        var similarity = PrototypeNetwork.Similarity(distanceMap.To(ScalarType.Float32)).Contiguous().Unsqueeze(0);
        var upsampled = ImageIO.Resize(similarity, new Pair(inputSize, inputSize), ImageInterpolation.Bicubic).Squeeze(0).To(ScalarType.Float64);
        var threshold = LinearQuantile(upsampled.Reshape(-1), HighActivationPercentile / 100);
        var mask = upsampled.Ge(threshold);
        var rows = mask.Any(1).ToArray<bool>();
        var cols = mask.Any(0).ToArray<bool>();
        return [Array.IndexOf(rows, true), Array.LastIndexOf(rows, true) + 1, Array.IndexOf(cols, true), Array.LastIndexOf(cols, true) + 1];
    }

    /// <summary>
    /// <c>torch.quantile(values, q)</c> (linear interpolation) of a 1-D float64 tensor without NaN, to the bit: the two
    /// order statistics around rank q·(n − 1), selected (<c>kthvalue</c>), and quantile's own <c>lerp</c> between them.
    /// </summary>
    /// <remarks>
    /// torch.quantile sorts all n values to read two of them; for the 224² values of a box that sort was ~90 % of the
    /// push's box time (~5 ms a word, about 1 s of a push of 185 words), selection takes a fraction of it.
    /// </remarks>
    internal static double LinearQuantile(Tensor values, double q)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Dim != 1 || values.Size(0) == 0 || values.DType != ScalarType.Float64)
            throw new ArgumentException($"expected a non-empty 1-D float64 tensor, got {values.DType.TorchName()} of shape {Tensor.ShapeString(values.Shape)}", nameof(values));
        if (!(q >= 0 && q <= 1)) throw new ArgumentOutOfRangeException(nameof(q), q, "a quantile lies in [0, 1]");
        // As quantile: ranks = q · (n − 1) in float64, below = its truncation, above = its ceiling, weight = ranks − below.
        var rank = q * (values.Size(0) - 1);
        var below = (long)rank;
        var above = (long)Math.Ceiling(rank);
        using var low = values.KthValue(below + 1).Values;   // kthvalue counts from 1
        using var high = values.KthValue(above + 1).Values;
        using var value = low.Lerp(high, rank - below);
        return value.Item<double>();
    }

    // The side of the images the transform produces (one sample read).
    private static long InputSide(IImageDataset dataset, ITransform rawTransform)
    {
        using var sample = dataset.Get(0);
        using var image = rawTransform.Apply(sample.Image);
        return image.Size(-1);
    }
}
