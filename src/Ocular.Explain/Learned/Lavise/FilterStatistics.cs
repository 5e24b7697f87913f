using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Data;
using Ocular.Vision.Datasets;
using Ocular.Vision.Transforms;

namespace Ocular.Explain.Learned.Lavise;

/// <summary>
/// What LaViSE needs to know about every filter u of a layer over the reference images (lavise.md §4.1, §4.2 step 1):
/// the threshold T_u — the 99.5th percentile (P(a_u &gt; T_u) = 0.005, linear interpolation as <c>torch.quantile</c>) of
/// all spatial activations of channel u at feature resolution over all reference images (§8.2: the original never
/// computes it; its reproduction takes the bottom 0.5 %) — and each image's maximum activation of u, which ranks the
/// images. Computed in one streaming pass (the top 0.5 % of each channel's values is all the quantile needs) and cached.
/// </summary>
public sealed class FilterStatistics
{
    /// <summary>The quantile of T_u (0.995).</summary>
    public const double Quantile = 0.995;

    private FilterStatistics(float[] thresholds, float[] maxActivations, int images, int channels, long positions, IReadOnlyDictionary<string, int> conceptImages)
    {
        ConceptImages = conceptImages;
        Thresholds = thresholds;
        MaxActivationValues = maxActivations;
        Images = images;
        Channels = channels;
        Positions = positions;
    }

    /// <summary>T_u for every filter u.</summary>
    public IReadOnlyList<float> Thresholds { get; }

    // [Images × Channels], image-major.
    private float[] MaxActivationValues { get; }

    /// <summary>The reference images.</summary>
    public int Images { get; }

    /// <summary>The layer's filters d.</summary>
    public int Channels { get; }

    /// <summary>The activations per filter the quantile ran over (images × h′ × w′).</summary>
    public long Positions { get; }

    /// <summary>For each concept of the reference data, the images whose mask of it is non-empty (the frequency baseline's counts).</summary>
    public IReadOnlyDictionary<string, int> ConceptImages { get; }

    /// <summary>The <paramref name="k"/> concepts found in the most reference images, most first, ties by name (the frequency baseline, §6).</summary>
    public IReadOnlyList<string> MostFrequentConcepts(int k) =>
        [.. ConceptImages.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Take(k).Select(c => c.Key)];

    /// <summary>The maximum activation of filter <paramref name="filter"/> on reference image <paramref name="image"/>.</summary>
    public float MaxActivation(int image, int filter) => MaxActivationValues[(long)image * Channels + filter];

    /// <summary>
    /// The <paramref name="p"/> images that activate <paramref name="filter"/> most (§4.2 step 1), highest first, ties by
    /// ascending image index; only images whose maximum activation is positive (the original skips the others).
    /// </summary>
    public int[] TopImages(int filter, int p)
    {
        if ((uint)filter >= (uint)Channels) throw new ArgumentOutOfRangeException(nameof(filter), filter, $"the layer has {Channels} filters");
        return [.. Enumerable.Range(0, Images).Where(i => MaxActivation(i, filter) > 0)
            .OrderByDescending(i => MaxActivation(i, filter)).ThenBy(i => i).Take(p)];
    }

    /// <summary>
    /// One pass over <paramref name="reference"/> (read with <paramref name="transform"/>, normalised model inputs): the
    /// thresholds and the per-image maxima.
    /// </summary>
    /// <param name="features">The feature extractor.</param>
    /// <param name="reference">The reference images.</param>
    /// <param name="transform">The model's evaluation preprocessing.</param>
    /// <param name="batchSize">Images per forward pass.</param>
    /// <param name="workers">Data-loader workers.</param>
    /// <param name="progress">Receives (images done, images).</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <param name="keepFeatures">Receives the images' feature maps, for <see cref="FilterExplainer"/> (up to its budget); null: none kept.</param>
    public static FilterStatistics Compute(LaviseFeatures features, IImageDataset reference, ITransform transform, int batchSize, int workers,
        IProgress<(int Done, int Total)>? progress, CancellationToken cancellationToken, ReferenceFeatures? keepFeatures = null)
    {
        var d = (int)features.Channels;
        var perImage = features.Height * features.Width;
        var positions = reference.Count * perImage;
        if (positions == 0) throw new DatasetException("the reference data set has no images", null);
        // torch.quantile's linear interpolation between the sorted values at floor and ceil of q·(M − 1), computed in
        // float32 as it does; from the top those are the (M−1−lo)-th and (M−1−hi)-th largest.
        var rank = (float)Quantile * (float)(positions - 1);
        var lo = (long)Math.Floor(rank);
        var keep = positions - lo;   // the top values down to the lo-th smallest
        var maxima = new float[(long)reference.Count * d];
        var conceptImages = new Dictionary<string, int>(StringComparer.Ordinal);
        Tensor? top = null;   // [d, ≤keep], the largest values seen so far
        var loader = new DataLoader(reference, new DataLoaderOptions { BatchSize = batchSize, Workers = workers, Transform = transform });
        var done = 0;
        try
        {
            foreach (var batch in loader.Epoch(0))
            {
                using (batch)
                using (DisposeScope.Enter())
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var f = features.Forward(batch.Images);                       // [B, d, h, w]
                    var values = f.Flatten(2);                                    // [B, d, hw]
                    var max = values.Amax(2).ToArray<float>();                   // [B, d]
                    for (var b = 0; b < batch.Count; b++)
                    {
                        Array.Copy(max, (long)b * d, maxima, (long)batch.Indices[b] * d, d);
                        keepFeatures?.Keep(batch.Indices[b], f.Select(0, b));
                        var (masks, names) = batch.SampleConcepts(b);
                        if (names.Count == 0) continue;
                        var present = masks.Flatten(1).Any(1).ToArray<bool>();
                        foreach (var name in names.Where((_, k) => present[k]).Distinct())
                            conceptImages[name] = conceptImages.GetValueOrDefault(name) + 1;
                    }
                    var columns = values.Permute(1, 0, 2).Reshape(d, -1);        // [d, B·hw]
                    var merged = top is null ? columns : Tensor.Cat([top, columns], 1);
                    var next = merged.Size(1) > keep ? merged.TopK(keep, 1).Values : merged.Clone();
                    top?.Dispose();
                    top = DisposeScope.Detach(next);
                    done += batch.Count;
                    progress?.Report((done, reference.Count));
                }
            }
            var thresholds = new float[d];
            using (var sorted = top!.Sort(1, descending: true).Values)
            {
                var v = sorted.ToArray<float>();
                var width = sorted.Size(1);
                var weight = rank - lo;
                for (var u = 0; u < d; u++)
                {
                    var vLo = v[u * width + (positions - 1 - lo)];
                    var vHi = v[u * width + Math.Max(0, positions - 1 - (long)Math.Ceiling(rank))];
                    thresholds[u] = Lerp(vLo, vHi, weight);
                }
            }
            return new FilterStatistics(thresholds, maxima, reference.Count, d, positions, conceptImages);
        }
        finally
        {
            top?.Dispose();
        }
    }

    // torch.lerp's float formula (both branches), so that T_u equals torch.quantile's value bit for bit.
    private static float Lerp(float start, float end, float weight) =>
        Math.Abs(weight) < 0.5f ? start + weight * (end - start) : end - (end - start) * (1 - weight);

    /// <summary>The cache file of the statistics of one (model weights, layer, input size, reference data) in <paramref name="directory"/>.</summary>
    public static string CachePath(string directory, string weightsHash, string layer, int inputSize, string data, int images)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{weightsHash}|{layer}|{inputSize}|{data}|{images}|{Quantile}")))[..20];
        return Path.Combine(directory, $"filters-{layer}-{key}.safetensors");
    }

    /// <summary>The default cache directory (<c>~/.cache/ocular/filter-statistics</c>).</summary>
    public static string DefaultCacheDirectory => CacheDirectory.For("filter-statistics");

    private const string MetadataKey = "ocular.filter-statistics";

    /// <summary>Writes the statistics atomically.</summary>
    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var thresholds = Tensor.FromArray([.. Thresholds], Channels);
        using var maxima = Tensor.FromArray(MaxActivationValues, Images, Channels);
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["thresholds"] = thresholds, ["max_activations"] = maxima },
            new Dictionary<string, string>
            {
                [MetadataKey] = JsonSerializer.Serialize(new Dictionary<string, object> { ["quantile"] = Quantile, ["positions"] = Positions, ["concept_images"] = ConceptImages }),
            });
    }

    /// <summary>Reads statistics written by <see cref="Save"/>; null when the file does not exist.</summary>
    /// <exception cref="InvalidDataException">The file is not filter statistics of <paramref name="channels"/> filters and <paramref name="images"/> images.</exception>
    public static FilterStatistics? TryLoad(string path, int channels, int images, long positions)
    {
        if (!File.Exists(path)) return null;
        using var contents = SafeTensors.Load(path);
        if (!contents.Tensors.TryGetValue("thresholds", out var t) || !contents.Tensors.TryGetValue("max_activations", out var m) ||
            t.Dim != 1 || t.Size(0) != channels || m.Dim != 2 || m.Size(0) != images || m.Size(1) != channels)
            throw new InvalidDataException($"{path}: not the filter statistics of {channels} filters over {images} images; delete it to recompute");
        var counts = contents.Metadata.TryGetValue(MetadataKey, out var json)
            ? JsonNode.Parse(json)?["concept_images"]?.Deserialize<Dictionary<string, int>>()
            : null;
        return new FilterStatistics(t.ToArray<float>(), m.ToArray<float>(), images, channels, positions,
            counts ?? throw new InvalidDataException($"{path}: no '{MetadataKey}' metadata; delete it to recompute"));
    }
}
