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
        var root = TrainImages.Ensure(plan.PerSample, Classes);
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

/// <summary>
/// The suite's JPEG folder, shared by both sides: <c>TMP/ocular-bench-train-v1-N/class{k}/img{i}.jpg</c>, 500×375
/// images (ImageNet's typical size) of smooth random colour fields with noise, quality 90, class <c>i mod 4</c>.
/// Whichever side runs first writes it (into a temporary folder renamed into place); both then read the same files.
/// bench/python/train.py draws the same pixels (libtorch's generator, the same operations) and encodes with PIL.
/// </summary>
internal static class TrainImages
{
    public static string Ensure(int count, int classes)
    {
        var root = Path.Combine(Path.GetTempPath(), $"ocular-bench-train-v1-{count}");
        if (Directory.Exists(root)) return root;
        var temp = root + ".tmp-" + Environment.ProcessId;
        for (var i = 0; i < count; i++)
        {
            using var scope = DisposeScope.Enter();
            using var g = new Generator((ulong)(1234 + i));
            var coarse = Tensor.Rand([1, 3, 6, 8], g).Mul(255);
            var smooth = F.Interpolate(coarse, new Pair(375, 500), mode: InterpolationMode.Bilinear, alignCorners: false).Squeeze(0);
            var noisy = smooth.Add(Tensor.Randn([3, 375, 500], g).Mul(12));
            var image = noisy.Clamp(0, 255).Round().To(ScalarType.UInt8);
            var dir = Directory.CreateDirectory(Path.Combine(temp, $"class{i % classes}")).FullName;
            ImageIO.WriteJpeg(Path.Combine(dir, $"img{i:D4}.jpg"), image, quality: 90);
        }
        try
        {
            Directory.Move(temp, root);
        }
        catch (IOException) when (Directory.Exists(root))
        {
            Directory.Delete(temp, recursive: true); // the other side won the race
        }
        return root;
    }
}
