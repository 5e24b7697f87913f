using System.Diagnostics;
using Ocular.Explain.Semantics;
using Ocular.Torch;
using Ocular.Vision.Datasets;
using Ocular.Vision.Transforms;
using F = Ocular.Torch.Functional;

namespace Ocular.Explain.Learned.Lavise;

/// <summary>
/// LaViSE's filter explanation (lavise.md §4.2) and its objective evaluation (§5.2). For each filter u: its p most
/// activating reference images; for each, the explainer's input built by the masking method (§4.3), mapped into the word
/// space, and its s nearest words; the filter's explanation is the x most frequent words over its images, ties by
/// ascending embedding row (§8.12). Recall@k compares each image's words with the concepts whose masks overlap the
/// filter's activated region (IoU &gt; 0.04).
/// </summary>
/// <remarks>
/// Unlike the original's loop over filters (one forward per image per filter), each reference image is read and run
/// through the network once, and the explainer inputs of every filter that selected it are built together: for the
/// attention and activation-masking methods one matrix product gives them all.
/// The reference images' features kept by the statistics pass (<see cref="ReferenceFeatures"/>) are used instead of running
/// the network again.
/// </remarks>
/// <param name="features">The feature extractor.</param>
/// <param name="network">The trained explainer.</param>
/// <param name="embeddings">The word space.</param>
/// <param name="statistics">The reference data's filter statistics.</param>
/// <param name="kept">The reference images' features kept by <see cref="FilterStatistics.Compute"/>; null: all recomputed.</param>
public sealed class FilterExplainer(LaviseFeatures features, LaviseNetwork network, WordEmbeddings embeddings, FilterStatistics statistics,
    ReferenceFeatures? kept = null)
{
    /// <summary>Explains <paramref name="filters"/> with the top images of <paramref name="reference"/> (read with <paramref name="transform"/>, normalised inputs; its concept masks, if any, give the recall).</summary>
    /// <param name="reference">The reference data the statistics were computed on (same order).</param>
    /// <param name="transform">The model's evaluation preprocessing (resize and crop only, so the masks follow).</param>
    /// <param name="filters">The filters to explain.</param>
    /// <param name="options">The options.</param>
    /// <param name="seenConcepts">The concepts the explainer was trained on (the rest count as unseen in the recall); null: all seen.</param>
    /// <param name="progress">Receives (images done, images) as the top images are explained.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    public FilterExplanations Explain(IImageDataset reference, ITransform transform, IReadOnlyList<int> filters, FilterExplanationOptions options,
        IReadOnlySet<string>? seenConcepts = null, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        if (reference.Count != statistics.Images)
            throw new ArgumentException($"the filter statistics cover {statistics.Images} reference images, the reference data has {reference.Count}");
        foreach (var u in filters)
            if ((uint)u >= (uint)features.Channels) throw new ArgumentOutOfRangeException(nameof(filters), u, $"{features.Layer} has {features.Channels} filters (0–{features.Channels - 1})");
        var clock = Stopwatch.StartNew();
        // Each image's nearest words: as many as the largest of s and the recall k (fewer only in a tiny vocabulary).
        var kWords = Math.Min(Math.Max(options.WordsPerImage, options.RecallAt.Max()), embeddings.Count);
        var top = filters.ToDictionary(u => u, u => statistics.TopImages(u, options.TopImages));
        var byImage = new SortedDictionary<int, List<int>>();
        foreach (var (u, selected) in top)
            foreach (var i in selected)
            {
                if (!byImage.TryGetValue(i, out var list)) byImage[i] = list = [];
                list.Add(u);
            }

        // (filter, image) → its words and ground truth, filled image batch by image batch.
        var results = new Dictionary<(int Filter, int Image), FilterImage>();
        var baselineTruth = new Dictionary<int, IReadOnlyList<string>>();
        var all = byImage.Keys.ToArray();
        network.Eval();
        using var noGrad = Autograd.NoGrad();
        for (var start = 0; start < all.Length; start += options.BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var chunk = all.AsSpan(start, Math.Min(options.BatchSize, all.Length - start)).ToArray();
            ExplainBatch(reference, transform, chunk, byImage, options, kWords, results, baselineTruth);
            progress?.Report((Math.Min(start + options.BatchSize, all.Length), all.Length));
        }

        var explained = filters.Select(u =>
        {
            var images = top[u].Select(i => results[(u, i)]).ToList();
            var ranking = Rank(images, options, embeddings.IndexOf);
            return new FilterWords(u, statistics.Thresholds[u], Cut(ranking, options), images, ranking);
        }).ToList();
        var recall = FilterRecall.Method(explained, options, seenConcepts);
        var baseline = FilterRecall.Baseline(explained, statistics.MostFrequentConcepts(options.RecallAt.Max()), baselineTruth, options, seenConcepts);
        return new FilterExplanations(options.Method, explained, recall, baseline, options.Recall, clock.Elapsed.TotalSeconds);
    }

    private void ExplainBatch(IImageDataset reference, ITransform transform, int[] chunk, SortedDictionary<int, List<int>> byImage,
        FilterExplanationOptions options, int kWords, Dictionary<(int, int), FilterImage> results, Dictionary<int, IReadOnlyList<string>> baselineTruth)
    {
        using var scope = DisposeScope.Enter();
        var samples = new List<Sample>();
        try
        {
            foreach (var i in chunk)
            {
                var sample = reference.Get(i);
                samples.Add(sample);
                sample.ApplyTransform(transform);
            }
            var input = Tensor.Stack([.. samples.Select(s => s.Image.To(ScalarType.Float32))]);
            var f = kept?.TryStack(chunk) ?? features.Forward(input);          // [B, d, h, w]
            // Every (image, filter) pair of the chunk through the explainer and the word query at once: one matrix product.
            var pooled = new List<Tensor>();
            for (var b = 0; b < chunk.Length; b++)
                pooled.Add(PooledInputs(f.Select(0, b), input.Select(0, b), byImage[chunk[b]], options.Method, statistics.Thresholds, features));   // [n_b, d]
            var matches = embeddings.Nearest(network.Forward(Tensor.Cat(pooled, 0)), kWords);
            var row = 0;
            for (var b = 0; b < chunk.Length; b++)
            {
                var filters = byImage[chunk[b]];
                var fb = f.Select(0, b);
                var activated = ActivatedRegions(fb, filters, statistics.Thresholds, features.InputSize);   // [n, S, S] bool
                var (masks, names) = ConceptMasks(samples[b]);
                var truth = GroundTruth(activated, masks, names, options.IouThreshold);
                baselineTruth[chunk[b]] = WholeImageTruth(masks, names, options.IouThreshold);
                using var index = Tensor.FromArray(filters.Select(u => (long)u).ToArray(), filters.Count);
                var maps = fb.IndexSelect(0, index).Flatten(1).ToArray<float>();
                var cells = (int)(fb.Size(1) * fb.Size(2));
                for (var j = 0; j < filters.Count; j++, row++)
                {
                    var words = Enumerable.Range(0, kWords).Select(k => embeddings.Words[matches.Rows[row, k]]).ToList();
                    results[(filters[j], chunk[b])] = new FilterImage(chunk[b], samples[b].Path, statistics.MaxActivation(chunk[b], filters[j]), words, truth[j],
                        maps.AsSpan(j * cells, cells).ToArray());
                }
            }
        }
        finally
        {
            foreach (var s in samples) s.Dispose();
        }
    }

    /// <summary>
    /// The explainer inputs <c>[n, d]</c> of one image's features F <c>[d, h, w]</c> for the filters <paramref name="filters"/>
    /// (§4.3). Image masking also needs the image (normalised, <c>[C, S, S]</c>) and the feature extractor to run again.
    /// </summary>
    /// <param name="f">The image's features.</param>
    /// <param name="image">The normalised image (image masking only).</param>
    /// <param name="filters">The filters u.</param>
    /// <param name="method">The masking method.</param>
    /// <param name="thresholds">T_u of every filter of the layer.</param>
    /// <param name="features">The feature extractor (image masking only).</param>
    public static Tensor PooledInputs(Tensor f, Tensor? image, IReadOnlyList<int> filters, FilterMasking method, IReadOnlyList<float> thresholds,
        LaviseFeatures? features)
    {
        using var scope = DisposeScope.Enter();
        var d = f.Size(0);
        var positions = f.Size(1) * f.Size(2);
        var flat = f.Reshape(d, positions);                                    // [d, hw]
        using var index = Tensor.FromArray(filters.Select(u => (long)u).ToArray(), filters.Count);
        var fu = flat.IndexSelect(0, index);                                    // [n, hw]
        Tensor result;
        switch (method)
        {
            case FilterMasking.FilterAttention:
                // pooled_k = (1/hw) Σ F_k·F_u / ‖F_u‖ for every k at once: [n, hw] @ [hw, d].
                result = fu.Matmul(flat.Transpose(0, 1)).Div(positions) / fu.Norm(2, [1], keepDim: true);
                break;
            case FilterMasking.FilterAttentionCosine:
            {
                // a_k = ⟨F_u, F_k⟩ / (‖F_u‖‖F_k‖ + ε); mean(a_k·F_k) = a_k·mean(F_k).
                var dots = fu.Matmul(flat.Transpose(0, 1));                     // [n, d]
                var norms = fu.Norm(2, [1], keepDim: true) * flat.Norm(2, [1]).Unsqueeze(0);
                result = dots / (norms + 1e-8) * flat.Mean(1).Unsqueeze(0);
                break;
            }
            case FilterMasking.ActivationMasking:
            {
                using var t = Tensor.FromArray(filters.Select(u => thresholds[u]).ToArray(), filters.Count, 1);
                var mask = fu.Gt(t).To(f.DType);                                 // [n, hw]
                result = mask.Matmul(flat.Transpose(0, 1)).Div(positions);
                break;
            }
            case FilterMasking.ImageMasking:
            {
                // Zero the normalised image where the upsampled F_u is at or below T_u, and run the network again.
                if (image is null || features is null) throw new ArgumentException("image masking needs the image and the feature extractor");
                var keep = ActivatedRegions(f, filters, thresholds, features.InputSize).Unsqueeze(1).To(image.DType);   // [n, 1, S, S]
                var masked = image.Unsqueeze(0) * keep;
                result = features.Forward(masked).Flatten(2).Mean(2);
                break;
            }
            case FilterMasking.OriginalImage:
                result = flat.Mean(1).Unsqueeze(0).Expand(filters.Count, d).Contiguous();
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(method), method, "unknown masking method");
        }
        return scope.Keep(result);
    }

    /// <summary>R_u: where the bilinearly upsampled F_u (to the input size, as <c>cv2.resize</c>) exceeds T_u — bool <c>[n, S, S]</c>.</summary>
    public static Tensor ActivatedRegions(Tensor f, IReadOnlyList<int> filters, IReadOnlyList<float> thresholds, int inputSize)
    {
        using var scope = DisposeScope.Enter();
        using var index = Tensor.FromArray(filters.Select(u => (long)u).ToArray(), filters.Count);
        // The n maps as the channels of one image, not n one-channel images: libtorch's bilinear kernel is ~6× faster so.
        var maps = f.IndexSelect(0, index).Unsqueeze(0);                        // [1, n, h, w]
        var up = F.Interpolate(maps, new Pair(inputSize, inputSize), mode: InterpolationMode.Bilinear, alignCorners: false).Squeeze(0);
        using var t = Tensor.FromArray(filters.Select(u => thresholds[u]).ToArray(), filters.Count, 1, 1);
        return scope.Keep(up.Gt(t));
    }

    /// <summary>R_u of one image from its stored activation map: bool <c>[S, S]</c>.</summary>
    public static Tensor ActivatedRegion(FilterImage image, float threshold, long height, long width, int inputSize)
    {
        using var scope = DisposeScope.Enter();
        var map = Tensor.FromArray(image.ActivationMap, 1, height, width);
        return scope.Keep(ActivatedRegions(map, [0], [threshold], inputSize).Squeeze(0));
    }

    private static (Tensor? Masks, IReadOnlyList<string> Names) ConceptMasks(Sample sample) => (sample.ConceptMasks, sample.ConceptNames);

    // G_{u,i}: the concepts of the image whose mask has IoU > threshold with each filter's activated region.
    private static IReadOnlyList<string>[] GroundTruth(Tensor activated, Tensor? masks, IReadOnlyList<string> names, double threshold)
    {
        var n = (int)activated.Size(0);
        var result = new IReadOnlyList<string>[n];
        if (masks is null || names.Count == 0)
        {
            for (var j = 0; j < n; j++) result[j] = [];
            return result;
        }
        using var scope = DisposeScope.Enter();
        var a = activated.Flatten(1).To(ScalarType.Float32);                   // [n, P]
        var m = masks.Flatten(1).To(ScalarType.Float32);                       // [K, P]
        var intersection = a.Matmul(m.Transpose(0, 1));                        // [n, K]
        var union = a.Sum(1).Unsqueeze(1) + m.Sum(1).Unsqueeze(0) - intersection;
        var iou = (intersection / union.ClampMin(1)).ToArray<float>();
        var k = names.Count;
        for (var j = 0; j < n; j++)
            result[j] = [.. Enumerable.Range(0, k).Where(c => iou[j * k + c] > threshold).Select(c => names[c]).Distinct()];
        return result;
    }

    // The frequency baseline's ground truth: R = the whole image, so IoU = the mask's share of the image.
    private static IReadOnlyList<string> WholeImageTruth(Tensor? masks, IReadOnlyList<string> names, double threshold)
    {
        if (masks is null || names.Count == 0) return [];
        using var scope = DisposeScope.Enter();
        var share = masks.Flatten(1).To(ScalarType.Float32).Mean(1).ToArray<float>();
        return [.. names.Where((_, c) => share[c] > threshold).Distinct()];
    }

    // §4.2 steps 3–4: pool the images' s words (weighted) and rank them by count, ties by ascending embedding row (§8.12).
    internal static List<WordCount> Rank(IReadOnlyList<FilterImage> images, FilterExplanationOptions options, Func<string, int> row)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var image in images)
        {
            var weight = options.Weighting switch
            {
                ActivationWeighting.Floor => (int)Math.Floor(image.MaxActivation),
                ActivationWeighting.Ceil => (int)Math.Ceiling(image.MaxActivation),
                _ => 1,
            };
            if (weight <= 0) continue;
            foreach (var word in image.Words.Take(options.WordsPerImage)) counts[word] = counts.GetValueOrDefault(word) + weight;
        }
        return [.. counts.Select(c => new WordCount(c.Key, c.Value, row(c.Key))).OrderByDescending(w => w.Count).ThenBy(w => w.Row)];
    }

    // §4.2 step 5: the top x, with the vocabulary filter before the cut (default) or after it (the original, §8.12).
    internal static List<WordCount> Cut(List<WordCount> ranked, FilterExplanationOptions options)
    {
        var vocabulary = options.Vocabulary;
        if (vocabulary is null) return [.. ranked.Take(options.WordsPerFilter)];
        return options.FilterAfterCut
            ? [.. ranked.Take(options.WordsPerFilter).Where(w => vocabulary.Contains(w.Word))]
            : [.. ranked.Where(w => vocabulary.Contains(w.Word)).Take(options.WordsPerFilter)];
    }
}
