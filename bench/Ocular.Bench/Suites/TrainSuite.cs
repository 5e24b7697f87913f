using Ocular.Bench.Harness;
using Ocular.Torch;
using Ocular.Torch.Optim;
using Ocular.Vision;
using Ocular.Vision.Data;
using Ocular.Vision.Datasets;
using Ocular.Vision.Images;
using Ocular.Vision.Models;
using Ocular.Vision.Transforms;
using F = Ocular.Torch.Functional;

namespace Ocular.Bench.Suites;

/// <summary>
/// The train suite (issue "Classifier training", part Benchmarks): the epoch throughput of ResNet-18 training at
/// 224×224 through the whole pipeline — JPEG files in an image folder, <see cref="ImageFolderDataset"/> and
/// <see cref="DataLoader"/> (2 workers) with RandomResizedCrop(224) + RandomHorizontalFlip + ToTensor + Normalize and
/// collation, the zoo's ResNet-18, cross-entropy, <see cref="Sgd"/> — against bench/python/train.py: torchvision's
/// <c>ImageFolder</c> + <c>DataLoader(num_workers=2)</c> with the same transforms, <c>resnet18</c>, <c>torch.optim.SGD</c>.
/// The loop is <c>ClassifierTrainer</c>'s training step (zero grad, forward, loss, backward, step, <c>loss.item()</c>).
/// One sample is one epoch; the target is a ratio ≥ 0.95.
/// </summary>
public sealed class TrainSuite : Suite
{
    /// <inheritdoc/>
    public override string Name => "train";

    /// <inheritdoc/>
    public override string Description => "ResNet-18 training epochs at 224² from JPEG files: image folder + loader (2 workers) + model + SGD";

    private const double Target = 0.95;
    private const int Batch = 32;
    private const int Workers = 2;
    private const int Classes = 4;

    // One sample = one epoch over the folder; the quick run uses a smaller folder.
    private const int FullImages = 256;
    private const int QuickImages = 64;
    private static readonly Plan Full = new(Warmup: 1, Repeat: 3, PerSample: FullImages);
    private static readonly Plan Quick = new(Warmup: 1, Repeat: 1, PerSample: QuickImages);

    /// <inheritdoc/>
    public override IEnumerable<Workload> Workloads()
    {
        // The image count is in the plan (PerSample), so that --quick trains on the small folder under the same name.
        yield return new($"train_epoch_resnet18_224_jpeg_b{Batch}_w{Workers}", Units.ImagesPerSecond, Full, Quick, Epochs, Target);
    }

    private static Measurement Epochs(Plan plan)
    {
        var root = JpegFolder.Ensure(plan.PerSample, Classes);
        var transform = new Compose(new RandomResizedCrop(224), new RandomHorizontalFlip(), new ToTensor(), Normalize.ImageNet());
        var dataset = new ImageFolderDataset(root);
        var loader = new DataLoader(dataset, new DataLoaderOptions { BatchSize = Batch, Shuffle = true, Seed = 0, Workers = Workers, Transform = transform });
        Engine.ManualSeed(0);
        using var model = ModelZoo.Create("resnet18", Classes);
        model.Train();
        using var optimizer = new Sgd(model.Parameters(), lr: 0.01, momentum: 0.9, weightDecay: 1e-4);
        var epoch = 0;
        var lastLoss = double.NaN;
        var samples = Sampler.Run(plan, () =>
        {
            foreach (var batch in loader.Epoch(epoch++))
            {
                using (batch)
                using (DisposeScope.Enter())
                {
                    optimizer.ZeroGrad();
                    var loss = F.CrossEntropy(model.Call(batch.Images), batch.Labels);
                    loss.Backward();
                    optimizer.Step();
                    lastLoss = loss.Item<float>();
                }
            }
        });
        return Measurement.Throughput(samples, dataset.Count, Units.ImagesPerSecond, new Dictionary<string, object>
        {
            ["images"] = dataset.Count, ["batch"] = Batch, ["workers"] = Workers, ["loss"] = lastLoss,
        });
    }
}
