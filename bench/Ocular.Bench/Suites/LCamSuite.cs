using Ocular.Bench.Harness;
using Ocular.Explain.Learned.LCam;
using Ocular.Torch;
using Ocular.Torch.Optim;
using Ocular.Vision;
using Ocular.Vision.Data;
using Ocular.Vision.Datasets;
using Ocular.Vision.Models;
using Ocular.Vision.Transforms;

namespace Ocular.Bench.Suites;

/// <summary>
/// The lcam suite (issue 8, part Benchmarks): L-CAM training throughput on the zoo's ResNet-50 (1000 classes, random
/// initialisation, frozen, batch norm in evaluation mode) at 224×224, batch 16, from the JPEG folder the train suite
/// shares with its twin (<see cref="JpegFolder"/>; labels 0–3 used as the targets on both sides).
/// <para>
/// Ocular's side is <c>LCamSession</c>'s training step, through the same public pieces the trainer uses:
/// <see cref="ImageFolderDataset"/> + <see cref="DataLoader"/> (2 workers) with the classifier's raw preprocessing
/// (Resize 256, CenterCrop 224, ToTensor) and <see cref="LCamViews"/> (2 fixed views: the image or its flip);
/// <see cref="LCamNetwork.Create"/> (layer4, a fresh 1×1-conv attention mechanism); per batch
/// <see cref="LCamNetwork.Features"/> (the frozen forward, no autograd), then zero grad,
/// <see cref="LCamNetwork.Loss"/> (masked forward + the reference loss with each image's own map), backward,
/// <see cref="LCamOptimization.CreateOptimizer"/>'s SGD (Nesterov, momentum 0.9, wd 5e-4, lr 1e-4 / biases 2e-4) step,
/// <c>loss.item()</c>. The trainer's run-directory work (metrics, checkpoints, the per-epoch test pass) is not measured.
/// With the cache, <see cref="FeatureCache.Build"/> runs once (timed apart, <c>cache_build_s</c>) and each epoch reads
/// the features in the loader's order, as the trainer's cached loop does: attention + head + loss + backward + step only.
/// </para>
/// <para>
/// The twin, bench/python/lcam.py, trains the way the original L-CAM scripts do: torchvision's resnet50 frozen,
/// the whole trunk forward every step, no cache — also for <c>…_cache_…</c>, whose ratio is therefore the
/// speed-up of Ocular's cached epochs over the original training (target ≥ 10×). L-CAM-Img's target is parity (≥ 1.0).
/// One sample is one epoch over the folder. Its expert twin (<c>--style expert</c>) has a feature cache too, so
/// <c>…_cache_…</c> against it compares steady-state epochs like with like.
/// </para>
/// <para>
/// <c>lcam_fm_resnet50_224_cache_build_26ep_b16</c> counts the cache's cost: one sample is <see cref="FeatureCache.Build"/>
/// plus 26 cached epochs (the original ResNet-50 schedule), images/s over the 26 epochs' images. Against the
/// reference twin (no cache, every epoch uncached) it is the honest speed-up of a whole cached training.
/// </para>
/// </summary>
public sealed class LCamSuite : Suite
{
    /// <inheritdoc/>
    public override string Name => "lcam";

    /// <inheritdoc/>
    public override string Description => "L-CAM-Fm (with/without feature cache) and L-CAM-Img training epochs on a frozen ResNet-50 at 224², batch 16, from JPEG files";

    private const double CacheTarget = 10.0;
    private const double ImgTarget = 1.0;
    private const int Batch = 16;
    private const int Workers = 2;
    private const int FolderClasses = 4;
    private const int Views = 2;
    private const int InputSize = 224;

    // One sample = one epoch over the folder (PerSample images); ResNet-50 on 2 cores takes seconds per batch.
    private static readonly Plan Full = new(Warmup: 1, Repeat: 3, PerSample: 32);
    private static readonly Plan Quick = new(Warmup: 1, Repeat: 1, PerSample: 16);
    // Cached epochs take a fraction of a second: more of them.
    private static readonly Plan CacheFull = new(Warmup: 1, Repeat: 10, PerSample: 32);
    private static readonly Plan CacheQuick = new(Warmup: 1, Repeat: 3, PerSample: 16);
    // The cache's build counted: one sample = FeatureCache.Build + EpochsAmortised cached epochs.
    private const int EpochsAmortised = 26;   // the original ResNet-50 L-CAM schedule (reference/l-cam.md §4.3)
    private static readonly Plan AmortisedFull = new(Warmup: 0, Repeat: 2, PerSample: 32);
    private static readonly Plan AmortisedQuick = new(Warmup: 0, Repeat: 1, PerSample: 16);

    /// <inheritdoc/>
    public override IEnumerable<Workload> Workloads()
    {
        yield return new($"lcam_fm_resnet50_224_nocache_b{Batch}", Units.ImagesPerSecond, Full, Quick, plan => Epochs(plan, LCamVariant.Fm, cache: false));
        yield return new($"lcam_fm_resnet50_224_cache_b{Batch}", Units.ImagesPerSecond, CacheFull, CacheQuick, plan => Epochs(plan, LCamVariant.Fm, cache: true), CacheTarget);
        yield return new($"lcam_fm_resnet50_224_cache_build_{EpochsAmortised}ep_b{Batch}", Units.ImagesPerSecond, AmortisedFull, AmortisedQuick,
            plan => Epochs(plan, LCamVariant.Fm, cache: true, amortisedEpochs: EpochsAmortised));
        yield return new($"lcam_img_resnet50_224_b{Batch}", Units.ImagesPerSecond, Full, Quick, plan => Epochs(plan, LCamVariant.Img, cache: false), ImgTarget);
    }

    /// <param name="plan">The plan.</param>
    /// <param name="variant">Fm or Img.</param>
    /// <param name="cache">Whether L-CAM-Fm trains from a feature cache.</param>
    /// <param name="amortisedEpochs">0: one sample is one epoch (with a cache, built once before sampling); n &gt; 0 (with
    /// a cache): one sample is the cache's build plus n epochs, so the figure counts the build amortised over n epochs.</param>
    private static Measurement Epochs(Plan plan, LCamVariant variant, bool cache, int amortisedEpochs = 0)
    {
        var root = JpegFolder.Ensure(plan.PerSample, FolderClasses);
        var dataset = new ImageFolderDataset(root);
        var rawTransform = new Compose(new Resize(256), new CenterCrop(InputSize), new ToTensor());
        var loader = new DataLoader(dataset, new DataLoaderOptions { BatchSize = Batch, Shuffle = true, Seed = 0, Workers = Workers, Transform = rawTransform });
        var views = new LCamViews(Views, 0);
        Engine.ManualSeed(0);
        using var classifier = ModelZoo.Create("resnet50", 1000);
        using var network = LCamNetwork.Create(classifier, ImageNormalization.ImageNet, variant, null, InputSize);
        using var optimizer = LCamOptimization.CreateOptimizer(network.Attention, lr: 1e-4, biasFactor: 2, momentum: 0.9, nesterov: true, weightDecay: 5e-4);
        network.Attention.Train();
        var weights = LCamLossWeights.Reference;
        var lastLoss = double.NaN;

        void Step(IReadOnlyList<Tensor> features, Tensor targets, Tensor? raw)
        {
            optimizer.ZeroGrad();
            var (loss, _) = network.Loss(features, targets, raw, weights, MaskLossSelection.OwnClass);
            using (loss)
            {
                loss.Total.Backward();
                optimizer.Step();
                lastLoss = loss.Total.Item<float>();
            }
        }

        FeatureCache? features = null;
        try
        {
            FeatureCache BuildCache() =>
                FeatureCache.Build(network, dataset, rawTransform, Views, LCamTargetSource.Labels, ScalarType.Float16, Batch, Workers, CancellationToken.None);

            void CachedEpoch(FeatureCache cached, int e)
            {
                var order = loader.Order(e - 1);
                for (var start = 0; start < order.Length; start += Batch)
                {
                    using var scope = DisposeScope.Enter();
                    var indices = order.AsSpan(start, Math.Min(Batch, order.Length - start)).ToArray();
                    var (f, targets) = cached.Get(indices, [.. indices.Select(i => views.Of(e, i))]);
                    Step([f], targets, null);
                }
            }

            if (cache && amortisedEpochs > 0)
            {
                var buildSeconds = double.NaN;
                var amortised = Sampler.Run(plan, () =>
                {
                    using var built = BuildCache();
                    buildSeconds = built.Seconds;
                    for (var e = 1; e <= amortisedEpochs; e++) CachedEpoch(built, e);
                });
                return Measurement.Throughput(amortised, amortisedEpochs * dataset.Count, Units.ImagesPerSecond, new Dictionary<string, object>
                {
                    ["images"] = dataset.Count, ["epochs"] = amortisedEpochs, ["batch"] = Batch, ["workers"] = Workers, ["views"] = Views,
                    ["variant"] = "fm", ["cache"] = "memory float16", ["cache_build_s"] = buildSeconds, ["loss"] = lastLoss,
                });
            }
            if (cache)
                features = BuildCache();
            var epoch = 0;
            var samples = Sampler.Run(plan, () =>
            {
                epoch++;
                if (features is not null)
                {
                    CachedEpoch(features, epoch);
                    return;
                }
                foreach (var batch in loader.Epoch(epoch - 1))
                {
                    using (batch)
                    using (DisposeScope.Enter())
                    {
                        var raw = LCamViews.Apply(batch.Images, [.. batch.Indices.Select(i => views.Of(epoch, i))]);
                        var (f, _) = network.Features(network.Normalization.Apply(raw));
                        Step(f, batch.Labels, raw);
                    }
                }
            });
            var extra = new Dictionary<string, object>
            {
                ["images"] = dataset.Count, ["batch"] = Batch, ["workers"] = Workers, ["views"] = Views, ["variant"] = variant.ToString().ToLowerInvariant(),
                ["cache"] = cache ? "memory float16" : "none", ["loss"] = lastLoss,
            };
            if (features is not null)
            {
                extra["cache_build_s"] = features.Seconds;
                extra["cache_mb"] = features.Bytes / 1e6;
            }
            return Measurement.Throughput(samples, dataset.Count, Units.ImagesPerSecond, extra);
        }
        finally
        {
            features?.Dispose();
        }
    }
}
