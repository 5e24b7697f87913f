using Ocular.Bench.Harness;
using Ocular.Torch;
using Ocular.Vision.Data;
using Ocular.Vision.Datasets;
using Ocular.Vision.Transforms;

namespace Ocular.Bench.Suites;

/// <summary>
/// The data suite (issue "Images, transforms, datasets and the data loader", part Benchmark): the input pipeline
/// alone — JPEG decoding (OpenCV) + RandomResizedCrop(224) + RandomHorizontalFlip + ToTensor + Normalize + collation
/// into [32, 3, 224, 224] batches by <see cref="DataLoader"/> over an <see cref="ImageFolderDataset"/> of 500×375 JPEGs —
/// against bench/python/data.py: torchvision's <c>ImageFolder</c> (PIL) + <c>DataLoader</c> with the same transforms and
/// the same number of workers. One sample is one epoch over the folder; the target is a ratio ≥ 1.0.
/// </summary>
public sealed class DataSuite : Suite
{
    /// <inheritdoc/>
    public override string Name => "data";

    /// <inheritdoc/>
    public override string Description => "input pipeline epochs: decode 500×375 JPEGs + RandomResizedCrop(224) + flip + normalise + collate";

    private const double Target = 1.0;
    private const int Batch = 32;
    private const int Classes = 4;
    private const int FullImages = 2000;
    private const int QuickImages = 128;
    private static readonly Plan Full = new(Warmup: 1, Repeat: 3, PerSample: FullImages);
    private static readonly Plan Quick = new(Warmup: 1, Repeat: 1, PerSample: QuickImages);

    /// <inheritdoc/>
    public override IEnumerable<Workload> Workloads()
    {
        foreach (var workers in new[] { 0, 2 })
            yield return new($"data_epoch_jpeg500x375_rrc224_flip_norm_b{Batch}_w{workers}", Units.ImagesPerSecond, Full, Quick, plan => Epochs(plan, workers), Target);
    }

    private static Measurement Epochs(Plan plan, int workers)
    {
        var root = JpegFolder.Ensure(plan.PerSample, Classes);
        var transform = new Compose(new RandomResizedCrop(224), new RandomHorizontalFlip(), new ToTensor(), Normalize.ImageNet());
        var dataset = new ImageFolderDataset(root);
        var loader = new DataLoader(dataset, new DataLoaderOptions { BatchSize = Batch, Shuffle = true, Seed = 0, Workers = workers, Transform = transform });
        var epoch = 0;
        var checksum = 0.0;
        var samples = Sampler.Run(plan, () =>
        {
            foreach (var batch in loader.Epoch(epoch++))
                using (batch)
                    checksum += batch.Images.Size(0);
        });
        return Measurement.Throughput(samples, dataset.Count, Units.ImagesPerSecond, new Dictionary<string, object>
        {
            ["images"] = dataset.Count, ["batch"] = Batch, ["workers"] = workers, ["batches_seen"] = checksum / Batch,
        });
    }
}
