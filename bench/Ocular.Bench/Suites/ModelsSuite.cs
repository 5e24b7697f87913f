using Ocular.Bench.Harness;
using Ocular.Torch;
using Ocular.Torch.Optim;
using Ocular.Vision.Models;
using F = Ocular.Torch.Functional;

namespace Ocular.Bench.Suites;

/// <summary>
/// The models suite (issue "Model zoo, layer capture, checkpoints and PyTorch interop", part Benchmark):
/// the zoo's ResNet-18, ResNet-50 and VGG-16 against torchvision's, same threads. Inference: images/s at
/// batch 8, 224×224, evaluation mode under inference mode. Training: one step at batch 16 — zero the
/// gradients (to none), forward, cross-entropy, backward, <see cref="Sgd"/> (momentum 0.9, weight decay
/// 1e-4) — in images/s. The twin is bench/python/models.py (torchvision.models, torch.optim.SGD).
/// Target: ratio ≥ 0.95 everywhere (the kernels are the same libtorch's; the zoo and the binding must
/// cost nothing measurable).
/// </summary>
public sealed class ModelsSuite : Suite
{
    /// <inheritdoc/>
    public override string Name => "models";

    /// <inheritdoc/>
    public override string Description => "zoo ResNet-18/50, VGG-16 vs torchvision: inference b8 and SGD training step b16, 224²";

    private const double Target = 0.95;
    private const int InferenceBatch = 8, TrainBatch = 16, Size = 224, Classes = 1000;
    private const double LearningRate = 0.01, Momentum = 0.9, WeightDecay = 1e-4;

    private static readonly string[] Architectures = ["resnet18", "resnet50", "vgg16"];

    // VGG-16 is ~8× ResNet-18's work: fewer samples keep a full run within minutes on 2 cores.
    private static Plan InferenceFull(string arch) => arch == "vgg16" ? new(Warmup: 1, Repeat: 5) : new(Warmup: 2, Repeat: 10);
    private static Plan TrainFull(string arch) => arch == "vgg16" ? new(Warmup: 1, Repeat: 3) : new(Warmup: 1, Repeat: 5);
    private static readonly Plan Quick = new(Warmup: 1, Repeat: 2);

    /// <inheritdoc/>
    public override IEnumerable<Workload> Workloads()
    {
        foreach (var arch in Architectures)
            yield return new($"infer_{arch}_b{InferenceBatch}_{Size}", Units.ImagesPerSecond, InferenceFull(arch), Quick, plan => Inference(arch, plan), Target);
        foreach (var arch in Architectures)
            yield return new($"train_step_{arch}_b{TrainBatch}_{Size}", Units.ImagesPerSecond, TrainFull(arch), Quick, plan => TrainStep(arch, plan), Target);
    }

    // model.eval(); with torch.inference_mode(): logits = model(images); per sample. The logits are
    // freed by the scope (Python frees them when the name is rebound).
    private static Measurement Inference(string arch, Plan plan)
    {
        using var gen = new Generator(0);
        Engine.ManualSeed(0);
        using var model = ModelZoo.Create(arch, Classes);
        model.Eval();
        using var images = Tensor.Randn([InferenceBatch, 3, Size, Size], gen);
        var seconds = Sampler.Run(plan, () =>
        {
            using var inference = Autograd.InferenceMode();
            using var logits = model.Call(images);
        });
        return Measurement.Throughput(seconds, InferenceBatch, Units.ImagesPerSecond, new Dictionary<string, object> { ["batch"] = InferenceBatch });
    }

    // optimizer.zero_grad(set_to_none=True); loss = cross_entropy(model(images), labels); loss.backward();
    // optimizer.step(); loss.item().
    private static Measurement TrainStep(string arch, Plan plan)
    {
        using var gen = new Generator(0);
        Engine.ManualSeed(0);
        using var model = ModelZoo.Create(arch, Classes);
        model.Train();
        using var optimizer = new Sgd(model.Parameters(), LearningRate, momentum: Momentum, weightDecay: WeightDecay);
        using var images = Tensor.Randn([TrainBatch, 3, Size, Size], gen);
        using var labels = Tensor.RandInt(0, Classes, [TrainBatch], gen);
        var lastLoss = double.NaN;
        var seconds = Sampler.Run(plan, () =>
        {
            using var scope = DisposeScope.Enter();
            optimizer.ZeroGrad();
            var logits = model.Call(images);
            var loss = F.CrossEntropy(logits, labels);
            loss.Backward();
            optimizer.Step();
            lastLoss = loss.Item<double>();
        });
        return Measurement.Throughput(seconds, TrainBatch, Units.ImagesPerSecond,
            new Dictionary<string, object> { ["batch"] = TrainBatch, ["loss"] = lastLoss });
    }
}
