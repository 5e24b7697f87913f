using Ocular.Torch;
using Ocular.Vision.Data;
using Ocular.Vision.Datasets;
using Ocular.Vision.Training;
using Ocular.Vision.Transforms;

namespace Ocular.Explain.Learned.LCam;

/// <summary>
/// L-CAM-Fm's feature cache: the frozen trunk's features F of every view of every training image, and its target
/// class, computed once and kept in memory (float16 by default), so that every epoch runs only the attention
/// mechanism and the frozen head. Stored view-major: slot = view·N + image.
/// </summary>
public sealed class FeatureCache : IDisposable
{
    private readonly Tensor _features;
    private readonly Tensor _targets;

    private FeatureCache(Tensor features, Tensor targets, int images, int views, double seconds)
    {
        _features = features;
        _targets = targets;
        Images = images;
        Views = views;
        Seconds = seconds;
    }

    /// <summary>Images cached.</summary>
    public int Images { get; }

    /// <summary>Views per image.</summary>
    public int Views { get; }

    /// <summary>Seconds it took to build.</summary>
    public double Seconds { get; }

    /// <summary>Bytes of cached features.</summary>
    public long Bytes => _features.NumEl * _features.DType.ElementSize();

    /// <summary>
    /// Runs the frozen trunk of <paramref name="network"/> (an Fm network) once over every view of every image of
    /// <paramref name="data"/> (read with <paramref name="rawTransform"/>, which must give raw [0, 1] images). With
    /// several ranks (<paramref name="distributed"/>) rank r computes batches r, r + W, r + 2W, … of the single
    /// process's batches and the ranks exchange them after each round of W batches, so that every rank ends with the
    /// whole cache, each batch computed as the single process computes it. With a bf16 <paramref name="precision"/> the
    /// trunk runs under autocast and its features are converted to <paramref name="dtype"/> like float32 ones.
    /// </summary>
    public static FeatureCache Build(LCamNetwork network, IImageDataset data, ITransform rawTransform, int views, LCamTargetSource targets,
        ScalarType dtype, int batchSize, int workers, CancellationToken cancellationToken, DistributedRun? distributed = null,
        ResolvedPrecision? precision = null)
    {
        if (network.Variant != LCamVariant.Fm) throw new ArgumentException($"only L-CAM-Fm can cache its features, not L-CAM-{network.Variant}");
        distributed ??= DistributedRun.Single;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var n = data.Count;
        var (rank, ranks) = (distributed.Rank, distributed.WorldSize);
        var batches = (n + batchSize - 1) / batchSize;
        // This rank's batches, read as one subset in order (its k-th batch is the single process's batch k·W + r).
        var loader = new DataLoader(distributed.Part(data, batchSize), new DataLoaderOptions { BatchSize = batchSize, Workers = workers, Transform = rawTransform });
        Tensor? store = null;
        var labels = new long[views * n];
        try
        {
            using var reader = loader.Epoch(0).GetEnumerator();
            for (var round = 0; round * ranks < batches; round++)
            {
                using var scope = DisposeScope.Enter();
                cancellationToken.ThrowIfCancellationRequested();
                Tensor? features = null;   // [views, B, C, h, w] of this rank's batch of the round
                Tensor? predicted = null;  // [views, B]
                if (round * ranks + rank < batches)
                {
                    if (!reader.MoveNext()) throw new DatasetException("the L-CAM training split gave fewer batches than it holds (every file of a batch skipped?)", null);
                    using var batch = reader.Current;
                    var perView = new List<Tensor>(views);
                    var targetsPerView = new List<Tensor>(views);
                    for (var v = 0; v < views; v++)
                    {
                        var x = LCamViews.Apply(batch.Images, Enumerable.Repeat(v, batch.Count).ToArray());
                        Tensor[] f;
                        Tensor logits;
                        using (precision?.Enter()) (f, logits) = network.Features(network.Normalization.Apply(x));
                        perView.Add(f[0].To(ScalarType.Float32));
                        targetsPerView.Add(targets == LCamTargetSource.Predictions ? logits.Argmax(1) : batch.Labels);
                    }
                    (features, predicted) = (Tensor.Stack(perView), Tensor.Stack(targetsPerView));
                }
                foreach (var (b, f, y) in Exchange(distributed, round, views, features, predicted, batches))
                {
                    var (start, count) = (b * (long)batchSize, f.Size(1));
                    store ??= DisposeScope.Detach(Tensor.Empty([views * (long)n, f.Size(2), f.Size(3), f.Size(4)], dtype));
                    var rows = y.ToArray<long>();
                    for (var v = 0; v < views; v++)
                    {
                        store.Narrow(0, v * n + start, count).Copy_(f[v]);
                        Array.Copy(rows, v * count, labels, v * n + start, count);
                    }
                }
            }
            if (store is null) throw new DatasetException("the L-CAM training split holds no image", null);
            return new FeatureCache(store, Tensor.FromArray(labels), n, views, clock.Elapsed.TotalSeconds);
        }
        catch
        {
            store?.Dispose();
            throw;
        }
    }

    // The batches of one round with their global batch numbers: this rank's alone for a single process; with several
    // ranks every rank's, gathered — a header [count, C, h, w] first (a rank past the last batch has none to show the
    // shape), then the features and targets, padded to the round's largest batch. The tensors belong to the caller's scope.
    private static IEnumerable<(int Batch, Tensor Features, Tensor Targets)> Exchange(DistributedRun distributed, int round, int views, Tensor? features,
        Tensor? targets, int batches)
    {
        if (distributed.Group is not { } group)
        {
            if (features is not null) yield return (round, features, targets!);
            yield break;
        }
        var shape = features?.Shape ?? [views, 0, 0, 0, 0];
        var headers = group.AllGather(Tensor.FromArray([shape[1], shape[2], shape[3], shape[4]])).Select(h => h.ToArray<long>()).ToArray();
        var rows = headers.Max(h => h[0]);
        var like = headers.First(h => h[0] > 0);
        var paddedFeatures = Tensor.Zeros([views, rows, like[1], like[2], like[3]]);
        var paddedTargets = Tensor.Zeros([views, rows], ScalarType.Int64);
        if (features is not null)
        {
            paddedFeatures.Narrow(1, 0, features.Size(1)).Copy_(features);
            paddedTargets.Narrow(1, 0, targets!.Size(1)).Copy_(targets);
        }
        var fs = group.AllGather(paddedFeatures);
        var ys = group.AllGather(paddedTargets);
        for (var j = 0; j < fs.Length; j++)
        {
            var b = round * group.WorldSize + j;
            var count = headers[j][0];
            if (b < batches && count > 0) yield return (b, fs[j].Narrow(1, 0, count), ys[j].Narrow(1, 0, count));
        }
    }

    /// <summary>The float32 features [B, C, h, w] and targets [B] of images <paramref name="indices"/> in views <paramref name="views"/>.</summary>
    public (Tensor Features, Tensor Targets) Get(IReadOnlyList<int> indices, IReadOnlyList<int> views)
    {
        using var scope = DisposeScope.Enter();
        var slots = Tensor.FromArray(indices.Select((i, j) => (long)views[j] * Images + i).ToArray());
        return (scope.Keep(_features.IndexSelect(0, slots).To(ScalarType.Float32)), scope.Keep(_targets.IndexSelect(0, slots)));
    }

    /// <summary>Frees the cache.</summary>
    public void Dispose()
    {
        _features.Dispose();
        _targets.Dispose();
    }
}
