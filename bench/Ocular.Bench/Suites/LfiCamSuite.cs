using Ocular.Bench.Harness;
using Ocular.Torch;
using Ocular.Torch.Optim;
using Ocular.Vision.Models;
using Ocular.Vision.Models.Attention;

namespace Ocular.Bench.Suites;

/// <summary>
/// The lficam suite (issue 14, part Benchmarks): one training step of the LFI-CAM and ABN classifiers — ResNet-18 and
/// ResNet-50 backbones at 224×224, batch 16, and the CIFAR ResNet-110 at 32×32, batch 128 — against the original
/// model files and training loops (bench/python/lficam.py loads them by path from <c>$LFI_CAM</c> and <c>$ABN</c>).
/// <para>
/// Ocular's side is the zoo's model (<see cref="ModelZoo.Create(string, int, int)"/>, 10 classes, seed 0; LFI-CAM's
/// ImageNet ResNets with conv1 stride 1, 14×14 maps at 224 px, as the original at its reference revision) in training
/// mode, and per step, inside a <see cref="DisposeScope"/> as the classifier trainer's loop: zero grad,
/// <see cref="AttentionClassifier.ForwardWithAttention"/>, <see cref="AttentionClassifier.Loss"/> (CE for LFI-CAM,
/// CE(branch) + CE(perception) for ABN), backward, <see cref="Sgd"/> step (lr 0.01, momentum 0.9, weight decay 1e-4),
/// then the loss value and the top-1 count read back, as the trainer does. Inputs are synthetic normalised images
/// (standard normal) and labels, made once: no data loading is measured. Unit images/s; the JSON line also carries
/// <c>peak_rss_mb</c> (the process's VmHWM; compare.sh runs this suite one process per workload and side, so it is the
/// workload's own peak) and <c>rss_base_mb</c> (the resident set before the model was built).
/// </para>
/// <para>
/// The ResNet-50 LFI-CAM is the heavy one: its FIN is 4 conv3×3 2048→2048 on 14×14 maps (151 M weights, ~59 GFLOP per
/// image forward) on top of a ResNet-50 run at 4× the usual spatial size (conv1 stride 1): tens of seconds per step on
/// 2 cores, so its plan is 1 warm-up + 2 timed steps.
/// </para>
/// </summary>
public sealed class LfiCamSuite : Suite
{
    /// <inheritdoc/>
    public override string Name => "lficam";

    /// <inheritdoc/>
    public override string Description => "LFI-CAM and ABN training steps: ResNet-18/50 at 224² b16, CIFAR ResNet-110 at 32² b128 (images/s, peak memory)";

    private const double Target = 1.0;
    private const int Classes = 10;
    private const double LearningRate = 0.01;
    private const double Momentum = 0.9;
    private const double WeightDecay = 1e-4;

    /// <summary>The zoo name, input size, batch and plans of one workload.</summary>
    private sealed record Config(string Architecture, int Size, int Batch, Plan Full, Plan Quick)
    {
        public string Name => $"{Architecture}_train_step_{Size}_b{Batch}";
    }

    /// <summary>The workloads, in the order they run (bench/python/lficam.py has the same list).</summary>
    private static readonly Config[] Configs =
    [
        new("lficam_resnet18", 224, 16, new(Warmup: 1, Repeat: 3), new(Warmup: 1, Repeat: 1)),
        new("lficam_resnet50", 224, 16, new(Warmup: 1, Repeat: 2), new(Warmup: 0, Repeat: 1)),
        new("lficam_cifar_resnet110", 32, 128, new(Warmup: 2, Repeat: 5), new(Warmup: 1, Repeat: 1)),
        new("abn_resnet18", 224, 16, new(Warmup: 2, Repeat: 5), new(Warmup: 1, Repeat: 1)),
        new("abn_resnet50", 224, 16, new(Warmup: 1, Repeat: 3), new(Warmup: 1, Repeat: 1)),
        new("abn_cifar_resnet110", 32, 128, new(Warmup: 2, Repeat: 5), new(Warmup: 1, Repeat: 1)),
    ];

    /// <inheritdoc/>
    public override IEnumerable<Workload> Workloads() =>
        Configs.Select(c => new Workload(c.Name, Units.ImagesPerSecond, c.Full, c.Quick, plan => TrainStep(c, plan), Target));

    private static Measurement TrainStep(Config config, Plan plan)
    {
        var rssBase = Memory.ResidentMb();
        using var gen = new Generator(0);
        Engine.ManualSeed(0);
        using var classifier = ModelZoo.Create(config.Architecture, Classes);
        var model = classifier as AttentionClassifier
            ?? throw new InvalidOperationException($"{config.Architecture} is not an attention classifier");
        model.Train();
        using var optimizer = new Sgd(model.Parameters(), lr: LearningRate, momentum: Momentum, weightDecay: WeightDecay);
        using var images = Tensor.Randn([config.Batch, 3, config.Size, config.Size], gen);
        using var labels = Tensor.RandInt(0, Classes, [config.Batch], gen);
        var lastLoss = double.NaN;
        var correct = 0L;
        var mapSize = "";
        var samples = Sampler.Run(plan, () =>
        {
            using var scope = DisposeScope.Enter();
            optimizer.ZeroGrad();
            var output = model.ForwardWithAttention(images);
            var loss = model.Loss(output, labels);
            loss.Backward();
            optimizer.Step();
            lastLoss = loss.Item<float>();
            using (Autograd.NoGrad())
                correct = output.Logits.Max(1).Indices.Eq(labels).Sum().Item<long>();
            mapSize = $"{output.Map.Size(2)}x{output.Map.Size(3)}";
        });
        var parameters = model.NamedParameters().ToList();
        return Measurement.Throughput(samples, config.Batch, Units.ImagesPerSecond, new Dictionary<string, object>
        {
            ["batch"] = config.Batch,
            ["size"] = config.Size,
            ["classes"] = Classes,
            ["parameters"] = parameters.Sum(p => p.Parameter.NumEl),
            ["branch_parameters"] = parameters.Where(p => model.IsBranchKey(p.Path)).Sum(p => p.Parameter.NumEl),
            ["map"] = mapSize,
            ["loss"] = lastLoss,
            ["correct"] = correct,
            ["rss_base_mb"] = rssBase ?? double.NaN,
        });
    }
}
