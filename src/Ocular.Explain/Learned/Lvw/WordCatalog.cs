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

    /// <summary>Each image's <paramref name="k"/> highest-scoring words, best first, for normalised images [N, C, H, W].</summary>
    public static IReadOnlyList<IReadOnlyList<(int Word, double Score)>> Strongest(PrototypeNetwork model, Tensor images, int k)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(images);
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        var wasTraining = model.Training;
        model.Eval();
        try
        {
            var scores = model.ForwardWords(images).WordScores;
            var (values, indices) = scores.TopK(Math.Min(k, model.NumWords), 1);
            var v = values.To(ScalarType.Float64).Contiguous().ToArray<double>();
            var ix = indices.Contiguous().ToArray<long>();
            var n = (int)images.Size(0);
            var kk = ix.Length / n;
            return [.. Enumerable.Range(0, n).Select(i => (IReadOnlyList<(int, double)>)[.. Enumerable.Range(0, kk).Select(t => ((int)ix[i * kk + t], v[i * kk + t]))])];
        }
        finally
        {
            model.Train(wasTraining);
        }
    }

    /// <summary>
    /// Word <paramref name="word"/>'s similarity on an image laid over it (bicubic to the image, min–max, jet; uint8
    /// [3, H, W]). <paramref name="raw"/> is the image as the network reads it before normalisation ([C, H, W] in [0, 1]).
    /// </summary>
    public static Tensor Overlay(PrototypeNetwork model, int word, Tensor raw, Vision.ImageNormalization normalization)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(raw);
        ArgumentNullException.ThrowIfNull(normalization);
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
        var similarity = PrototypeNetwork.Similarity(distances.Select(0, 0).Select(0, word)).Contiguous().Unsqueeze(0);
        var upsampled = ImageIO.Resize(similarity, new Pair(raw.Size(1), raw.Size(2)), ImageInterpolation.Bicubic);
        var map = SaliencyMaps.Normalize(upsampled).Squeeze(0);
        return scope.Keep(HeatmapOverlay.ShowCamOnImage(Rgb(raw).Clamp(0, 1), map));
    }

    /// <summary>The crop of a word's source image inside its high-activation box (push.py's prototype image), uint8 [3, h, w]; <paramref name="raw"/> is the source image as the push read it.</summary>
    public static Tensor Patch(WordSource source, Tensor raw)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(raw);
        using var scope = DisposeScope.Enter();
        var (y0, y1, x0, x1) = (source.HighActivation[0], source.HighActivation[1], source.HighActivation[2], source.HighActivation[3]);
        if (y0 < 0 || x0 < 0 || y1 > raw.Size(1) || x1 > raw.Size(2) || y1 <= y0 || x1 <= x0)
            throw new ArgumentException($"word {source.Word}: its box [{y0}, {y1}) × [{x0}, {x1}) does not fit its source image {raw.Size(1)}×{raw.Size(2)}: was the image read with another preprocessing?");
        var patch = Rgb(raw).Narrow(1, y0, y1 - y0).Narrow(2, x0, x1 - x0).Mul(255).Round().Clamp(0, 255).To(ScalarType.UInt8).Contiguous();
        return scope.Keep(patch);
    }

    private static Tensor Rgb(Tensor raw) => raw.Size(0) == 3 ? raw.Alias() : raw.Expand(3, -1, -1).Contiguous();
}
