using Ocular.Torch;
using Ocular.Vision.Data;
using Ocular.Vision.Datasets;
using Ocular.Vision.Training;
using Ocular.Vision.Transforms;

namespace Ocular.Explain.Learned.Lavise;

/// <summary>
/// LaViSE's training samples (lavise.md §2, §3.2): one pair per concept mask of an image — the masked, pooled features
/// avgpool(F ⊙ M_j) and the concept — as the original's one sample per COCO annotation or per VG (image, category).
/// A mask that vanishes at feature resolution gives no pair (the original skips such a step). Built once over a data set
/// (the feature cache: every epoch then runs only the explainer) or per batch when the images are augmented.
/// </summary>
public sealed class ConceptPairs : IDisposable
{
    private ConceptPairs(Tensor pooled, int[] concepts, int[] images, int imagesRead, double seconds)
    {
        Pooled = pooled;
        Concepts = concepts;
        Images = images;
        ImagesRead = imagesRead;
        Seconds = seconds;
    }

    /// <summary>The pooled features <c>[P, d]</c> (float16 in a cache, float32 per batch).</summary>
    public Tensor Pooled { get; }

    /// <summary>The concept of each pair (an index into the vocabulary's concepts).</summary>
    public int[] Concepts { get; }

    /// <summary>The data-set index of each pair's image.</summary>
    public int[] Images { get; }

    /// <summary>The number of pairs.</summary>
    public int Count => Concepts.Length;

    /// <summary>The images read to make the pairs.</summary>
    public int ImagesRead { get; }

    /// <summary>Seconds it took to build.</summary>
    public double Seconds { get; }

    /// <summary>Bytes of pooled features.</summary>
    public long Bytes => Pooled.NumEl * Pooled.DType.ElementSize();

    /// <summary>The pairs of one batch of images (features computed now, float32).</summary>
    /// <exception cref="DatasetException">A sample's concept is not one of the vocabulary's (the message names it and the image).</exception>
    public static ConceptPairs FromBatch(Batch batch, LaviseFeatures features, ConceptVocabulary vocabulary)
    {
        using var scope = DisposeScope.Enter();
        var f = features.Forward(batch.Images);
        var pooled = new List<Tensor>();
        var concepts = new List<int>();
        var images = new List<int>();
        for (var i = 0; i < batch.Count; i++)
        {
            var (masks, names) = batch.SampleConcepts(i);
            if (names.Count == 0) continue;
            var small = features.FeatureMasks(masks);
            var present = small.Flatten(1).Amax(1).Gt(0).ToArray<bool>();
            var keep = Enumerable.Range(0, names.Count).Where(k => present[k]).ToArray();
            if (keep.Length == 0) continue;
            foreach (var k in keep)
            {
                var c = vocabulary.IndexOf(names[k]);
                if (c < 0)
                    throw new DatasetException($"image {batch.Indices[i]}{(batch.Paths[i] is { } p ? $" ({p})" : "")} has the concept '{names[k]}', which is not one of " +
                                               $"the {vocabulary.Concepts.Count} concepts of the explainer's vocabulary", batch.Paths[i]);
                concepts.Add(c);
                images.Add(batch.Indices[i]);
            }
            using var index = Tensor.FromArray(keep.Select(k => (long)k).ToArray(), keep.Length);
            pooled.Add(LaviseFeatures.PoolMasked(f.Select(0, i), small.IndexSelect(0, index)));
        }
        var all = pooled.Count == 0 ? Tensor.Zeros([0, features.Channels]) : Tensor.Cat(pooled, 0);
        return new ConceptPairs(scope.Keep(all), [.. concepts], [.. images], batch.Count, 0);
    }

    /// <summary>
    /// The feature cache: the pairs of every image of <paramref name="data"/> (read with <paramref name="transform"/>,
    /// which must give normalised model inputs and may only resize and crop), stored as float16.
    /// </summary>
    public static ConceptPairs Build(IImageDataset data, ITransform transform, LaviseFeatures features, ConceptVocabulary vocabulary,
        int batchSize, int workers, IProgress<(int Done, int Total)>? progress, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var loader = new DataLoader(data, new DataLoaderOptions { BatchSize = batchSize, Workers = workers, Transform = transform });
        var parts = new List<Tensor>();
        var concepts = new List<int>();
        var images = new List<int>();
        var read = 0;
        try
        {
            foreach (var batch in loader.Epoch(0))
            {
                using (batch)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    using var pairs = FromBatch(batch, features, vocabulary);
                    parts.Add(pairs.Pooled.To(ScalarType.Float16));
                    concepts.AddRange(pairs.Concepts);
                    images.AddRange(pairs.Images);
                    read += batch.Count;
                    progress?.Report((read, data.Count));
                }
            }
            var pooled = parts.Count == 0 ? Tensor.Zeros([0, features.Channels], ScalarType.Float16) : Tensor.Cat(parts, 0);
            return new ConceptPairs(pooled, [.. concepts], [.. images], read, clock.Elapsed.TotalSeconds);
        }
        finally
        {
            foreach (var p in parts) p.Dispose();
        }
    }

    /// <summary>
    /// The pairs of every rank's part of a data set (each built from its <see cref="DistributedRun.Part"/> of the images),
    /// on every rank, in the order one process building them all would have: by image, and for an image in the order
    /// of its masks. Takes <paramref name="part"/> over (disposes it; a single process gets it back as it is).
    /// </summary>
    public static ConceptPairs Gather(ConceptPairs part, DistributedRun distributed)
    {
        ArgumentNullException.ThrowIfNull(part);
        ArgumentNullException.ThrowIfNull(distributed);
        if (distributed.Group is not { } group) return part;
        using (part)
        using (var scope = DisposeScope.Enter())
        {
            // Counts first: the exchanged tensors must have one shape on every rank, so each part is padded to the largest.
            var counts = group.AllGather(Tensor.FromArray([(long)part.Count, part.ImagesRead])).Select(t => t.ToArray<long>()).ToArray();
            var rows = counts.Max(c => c[0]);
            var pooled = Tensor.Zeros([rows, part.Pooled.Size(1)]);   // float32 holds float16 values exactly
            var ids = Tensor.Zeros([rows, 2], ScalarType.Int64);
            if (part.Count > 0)
            {
                pooled.Narrow(0, 0, part.Count).Copy_(part.Pooled);
                ids.Narrow(0, 0, part.Count).Copy_(Tensor.FromArray(part.Images.Zip(part.Concepts, (i, c) => new[] { (long)i, c }).SelectMany(x => x).ToArray(), part.Count, 2));
            }
            var allPooled = Tensor.Cat(group.AllGather(pooled), 0);
            var allIds = group.AllGather(ids).Select(t => t.ToArray<long>()).ToArray();
            // An image's pairs all come from one rank, in their order there; OrderBy is stable.
            var order = Enumerable.Range(0, group.WorldSize)
                .SelectMany(r => Enumerable.Range(0, (int)counts[r][0]).Select(k => (Rank: r, Row: k, Image: allIds[r][2 * k], Concept: (int)allIds[r][2 * k + 1])))
                .OrderBy(p => p.Image).ToList();
            var index = Tensor.FromArray(order.Select(p => p.Rank * rows + p.Row).ToArray(), order.Count);
            var merged = allPooled.IndexSelect(0, index).To(part.Pooled.DType);
            return new ConceptPairs(scope.Keep(merged), [.. order.Select(p => p.Concept)], [.. order.Select(p => (int)p.Image)],
                (int)counts.Sum(c => c[1]), part.Seconds);
        }
    }

    /// <summary>The pooled features of the pairs at <paramref name="indices"/>, as float32 <c>[n, d]</c>.</summary>
    public Tensor Features(ReadOnlySpan<int> indices)
    {
        using var scope = DisposeScope.Enter();
        using var index = Tensor.FromArray(indices.ToArray().Select(i => (long)i).ToArray(), indices.Length);
        return scope.Keep(Pooled.IndexSelect(0, index).To(ScalarType.Float32));
    }

    /// <summary>Releases the features.</summary>
    public void Dispose() => Pooled.Dispose();
}
