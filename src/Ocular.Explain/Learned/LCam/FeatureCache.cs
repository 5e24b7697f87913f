using Ocular.Torch;
using Ocular.Vision.Data;
using Ocular.Vision.Datasets;
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
    /// <paramref name="data"/> (read with <paramref name="rawTransform"/>, which must give raw [0, 1] images).
    /// </summary>
    public static FeatureCache Build(LCamNetwork network, IImageDataset data, ITransform rawTransform, int views, LCamTargetSource targets,
        ScalarType dtype, int batchSize, int workers, CancellationToken cancellationToken)
    {
        if (network.Variant != LCamVariant.Fm) throw new ArgumentException($"only L-CAM-Fm can cache its features, not L-CAM-{network.Variant}");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var n = data.Count;
        var loader = new DataLoader(data, new DataLoaderOptions { BatchSize = batchSize, Workers = workers, Transform = rawTransform });
        Tensor? store = null;
        var labels = new long[views * n];
        try
        {
            foreach (var batch in loader.Epoch(0))
            {
                using (batch)
                using (DisposeScope.Enter())
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var start = batch.Indices[0];
                    for (var v = 0; v < views; v++)
                    {
                        var x = LCamViews.Apply(batch.Images, Enumerable.Repeat(v, batch.Count).ToArray());
                        var (features, logits) = network.Features(network.Normalization.Apply(x));
                        var f = features[0];
                        store ??= DisposeScope.Detach(Tensor.Empty([views * (long)n, f.Size(1), f.Size(2), f.Size(3)], dtype));
                        store.Narrow(0, v * (long)n + start, batch.Count).Copy_(f);
                        var y = targets == LCamTargetSource.Predictions ? logits.Argmax(1) : batch.Labels;
                        y.ToArray<long>().CopyTo(labels, v * n + start);
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
