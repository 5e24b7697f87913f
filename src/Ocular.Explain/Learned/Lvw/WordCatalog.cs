using Ocular.Torch;
using Ocular.Vision.Data;
using Ocular.Vision.Datasets;
using Ocular.Vision.Images;
using Ocular.Vision.Models.Prototypes;
using Ocular.Vision.Transforms;

namespace Ocular.Explain.Learned.Lvw;

/// <summary>How often a word is among an image's most similar words over a data set.</summary>
/// <param name="Word">The word's index.</param>
/// <param name="TopImages">The images for which the word is among the <see cref="WordCatalog.TopWords"/> highest-scoring words.</param>
/// <param name="MeanScore">Its mean score (log similarity of its closest patch) over the images.</param>
/// <param name="MaxScore">Its highest score.</param>
public sealed record WordUsage(int Word, int TopImages, double MeanScore, double MaxScore);

/// <summary>
/// What a trained prototype network's words are: which classes use each (the last layer's weights), how many images
/// activate it, and pictures of the training patch it was pushed onto (reference <c>learnable-visual-words.md</c> §0,
/// §5: "for each image, the top-10 words, their similarity maps and their nearest training patches").
/// </summary>
public static class WordCatalog
{
    /// <summary>The words per image counted as activated (the explanation's 10, §6).</summary>
    public const int TopWords = LvwExplainer.TopWords;

    /// <summary>The usage of every word over <paramref name="data"/> read with <paramref name="transform"/> (normalised as the network expects).</summary>
    public static IReadOnlyList<WordUsage> Usage(PrototypeNetwork model, IImageDataset data, ITransform transform, int batchSize, int workers,
        Action<int, int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        var p = model.NumWords;
        var top = new int[p];
        var sum = new double[p];
        var max = Enumerable.Repeat(double.NegativeInfinity, p).ToArray();
        var images = 0;
        model.Eval();
        var loader = new DataLoader(data, new DataLoaderOptions { BatchSize = batchSize, Workers = workers, Transform = transform });
        foreach (var batch in loader.Epoch(0))
        {
            using (batch)
            using (DisposeScope.Enter())
            using (Autograd.NoGrad())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var scores = model.ForwardWords(batch.Images).WordScores;
                var values = scores.To(ScalarType.Float64).Contiguous().ToArray<double>();
                var best = scores.TopK(Math.Min(TopWords, p), 1).Indices.Contiguous().ToArray<long>();
                var n = batch.Count;
                var k = best.Length / n;
                for (var i = 0; i < n; i++)
                {
                    for (var j = 0; j < p; j++)
                    {
                        var v = values[i * p + j];
                        sum[j] += v;
                        max[j] = Math.Max(max[j], v);
                    }
                    for (var t = 0; t < k; t++) top[best[i * k + t]]++;
                }
                images += n;
                progress?.Invoke(images, data.Count);
            }
        }
        if (images == 0) throw new DatasetException("word usage: the data set has no image", null);
        return [.. Enumerable.Range(0, p).Select(j => new WordUsage(j, top[j], sum[j] / images, max[j]))];
    }

    /// <summary>The <paramref name="k"/> classes with the largest last-layer weight from word <paramref name="word"/>, largest first.</summary>
    public static IReadOnlyList<(int Class, double Weight)> Classes(PrototypeNetwork model, int word, int k = 3)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (word < 0 || word >= model.NumWords) throw new ArgumentOutOfRangeException(nameof(word), word, $"the network has {model.NumWords} words");
        using var column = model.LastLayer.Weight.Detach().Select(1, word).Contiguous();
        var weights = column.ToArray<float>();
        return [.. weights.Select((w, c) => (Class: c, Weight: (double)w)).OrderByDescending(x => x.Weight).Take(k)];
    }

    /// <summary>
    /// Pictures of a word's source: its training image with the word's similarity laid over it (bicubic, min–max, jet),
    /// and the crop of the image's high-activation box (push.py's prototype image), both uint8 [3, H, W].
    /// <paramref name="raw"/> is the source image as the push read it ([C, S, S] in [0, 1]).
    /// </summary>
    public static (Tensor Overlay, Tensor Patch) Pictures(PrototypeNetwork model, WordSource source, Tensor raw, Vision.ImageNormalization normalization)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(raw);
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        var wasTraining = model.Training;
        model.Eval();
        Tensor distances;
        try
        {
            distances = model.Distances(model.Latent(normalization.Apply(raw.Unsqueeze(0))));
        }
        finally
        {
            model.Train(wasTraining);
        }
        var similarity = PrototypeNetwork.Similarity(distances.Select(0, 0).Select(0, source.Word)).Contiguous().Unsqueeze(0);
        var upsampled = ImageIO.Resize(similarity, new Pair(raw.Size(1), raw.Size(2)), ImageInterpolation.Bicubic);
        var map = SaliencyMaps.Normalize(upsampled).Squeeze(0);
        var rgb = raw.Size(0) == 3 ? raw : raw.Expand(3, -1, -1).Contiguous();
        var overlay = HeatmapOverlay.ShowCamOnImage(rgb.Clamp(0, 1), map);
        var (y0, y1, x0, x1) = (source.HighActivation[0], source.HighActivation[1], source.HighActivation[2], source.HighActivation[3]);
        var patch = rgb.Narrow(1, y0, y1 - y0).Narrow(2, x0, x1 - x0).Mul(255).Round().Clamp(0, 255).To(ScalarType.UInt8).Contiguous();
        return (scope.Keep(overlay), scope.Keep(patch));
    }
}
