using Ocular.Bench.Harness;
using Ocular.Torch;
using Ocular.Torch.Optim;
using Ocular.Vision.Models;
using Ocular.Torch.Nn;
using F = Ocular.Torch.Functional;

namespace Ocular.Bench.Suites;

/// <summary>
/// The engine suite (issue "Engine", part Benchmarks): what the binding costs on top of libtorch.
/// Per-op overhead of tiny ops, conv2d forward + backward at ResNet-50 layer shapes, and one SGD step
/// of a ResNet-18-shaped network. The twin is bench/python/engine.py; names, shapes, plans and
/// arithmetic are the same on both sides.
/// Targets (ratio Ocular/PyTorch, higher = Ocular faster): ≥ 0.95 for conv and training (the engine is
/// the same, the binding must cost nothing measurable); ≥ 0.5 for per-op overhead (at most 2× Python's).
/// </summary>
public sealed class EngineSuite : Suite
{
    /// <inheritdoc/>
    public override string Name => "engine";

    /// <inheritdoc/>
    public override string Description => "per-op overhead, conv2d fwd+bwd at ResNet-50 shapes, ResNet-18 SGD step (b16, 224²)";

    private const double OpTarget = 0.5;
    private const double EngineTarget = 0.95;

    // 10^5 ops per sample (10^4 in a quick run).
    private static readonly Plan OpFull = new(Warmup: 1, Repeat: 7, PerSample: 100_000);
    private static readonly Plan OpQuick = new(Warmup: 1, Repeat: 3, PerSample: 10_000);
    private static readonly Plan ConvFull = new(Warmup: 3, Repeat: 15);
    private static readonly Plan ConvQuick = new(Warmup: 1, Repeat: 3);
    private static readonly Plan TrainFull = new(Warmup: 2, Repeat: 8);
    private static readonly Plan TrainQuick = new(Warmup: 1, Repeat: 2);

    /// <summary>ResNet-50 convolution shapes (kernel, in → out channels, input size, stride), batch 8.</summary>
    private static readonly ConvShape[] ConvShapes =
    [
        new(1, 256, 64, 56, 1),    // layer1 bottleneck conv1
        new(3, 64, 64, 56, 1),     // layer1 conv2
        new(3, 128, 128, 28, 1),   // layer2 conv2
        new(3, 256, 256, 14, 1),   // layer3 conv2
        new(1, 1024, 2048, 14, 2), // layer4.0 downsample
    ];

    private const long ConvBatch = 8;

    private sealed record ConvShape(int Kernel, long In, long Out, long Size, int Stride)
    {
        public string Name => $"conv_fwd_bwd_{Kernel}x{Kernel}_{In}to{Out}_{Size}x{Size}_s{Stride}_b{ConvBatch}";
    }

    /// <inheritdoc/>
    public override IEnumerable<Workload> Workloads()
    {
        yield return new("op_overhead_add_4x4", Units.MicrosecondsPerOp, OpFull, OpQuick, OpAdd, OpTarget);
        yield return new("op_overhead_add_4x4_scope", Units.MicrosecondsPerOp, OpFull, OpQuick, OpAddInScope, OpTarget);
        yield return new("op_overhead_relu_4x4", Units.MicrosecondsPerOp, OpFull, OpQuick, OpRelu, OpTarget);
        yield return new("op_overhead_sum_4x4", Units.MicrosecondsPerOp, OpFull, OpQuick, OpSum, OpTarget);
        foreach (var shape in ConvShapes)
            yield return new(shape.Name, Units.MillisecondsPerIter, ConvFull, ConvQuick, plan => ConvForwardBackward(shape, plan), EngineTarget);
        yield return new("train_step_resnet18_b16_224", Units.ImagesPerSecond, TrainFull, TrainQuick, TrainStep, EngineTarget);
    }

    // ------------------------------------------------------------ per-op overhead
    // Two float32 4×4 tensors; each op's result is disposed at once (`using`), as Python frees it when
    // the name is rebound. The loops are written out (no delegate per op), as in engine.py.

    private static (Tensor A, Tensor B) SmallPair()
    {
        using var g = new Generator(0);
        return (Tensor.Randn([4, 4], g), Tensor.Randn([4, 4], g));
    }

    private static Measurement OpAdd(Plan plan)
    {
        var (a, b) = SmallPair();
        using (a)
        using (b)
        {
            var n = plan.PerSample;
            var samples = Sampler.Run(plan, () =>
            {
                for (var i = 0; i < n; i++)
                {
                    using var c = a + b;
                }
            });
            return Measurement.TimePer(samples, plan, Units.MicrosecondsPerOp);
        }
    }

    // The same op, with results freed by a DisposeScope every 1000 ops instead of one by one: the
    // discipline of training and evaluation loops.
    private static Measurement OpAddInScope(Plan plan)
    {
        var (a, b) = SmallPair();
        using (a)
        using (b)
        {
            var n = plan.PerSample;
            var samples = Sampler.Run(plan, () =>
            {
                for (var i = 0; i < n; i += 1000)
                {
                    using var scope = DisposeScope.Enter();
                    for (var j = i; j < Math.Min(n, i + 1000); j++) _ = a + b;
                }
            });
            return Measurement.TimePer(samples, plan, Units.MicrosecondsPerOp);
        }
    }

    private static Measurement OpRelu(Plan plan)
    {
        var (a, b) = SmallPair();
        using (a)
        using (b)
        {
            var n = plan.PerSample;
            var samples = Sampler.Run(plan, () =>
            {
                for (var i = 0; i < n; i++)
                {
                    using var c = a.Relu();
                }
            });
            return Measurement.TimePer(samples, plan, Units.MicrosecondsPerOp);
        }
    }

    private static Measurement OpSum(Plan plan)
    {
        var (a, b) = SmallPair();
        using (a)
        using (b)
        {
            var n = plan.PerSample;
            var samples = Sampler.Run(plan, () =>
            {
                for (var i = 0; i < n; i++)
                {
                    using var c = a.Sum();
                }
            });
            return Measurement.TimePer(samples, plan, Units.MicrosecondsPerOp);
        }
    }

    // ------------------------------------------------------------ conv2d forward + backward

    // y = conv2d(x, w) (no bias, padding k/2), then y.backward(g) with a fixed random g (the gradient
    // of sum(g·y)): gradients w.r.t. input and weight. Gradients are reset to none before each
    // iteration so that nothing accumulates (as optimizer.zero_grad(set_to_none=True)).
    private static Measurement ConvForwardBackward(ConvShape s, Plan plan)
    {
        using var gen = new Generator(0);
        using var x = Tensor.Randn([ConvBatch, s.In, s.Size, s.Size], gen).RequiresGrad_();
        using var w = Tensor.Randn([s.Out, s.In, s.Kernel, s.Kernel], gen).Mul_(0.05).RequiresGrad_();
        var outSize = (s.Size + 2 * (s.Kernel / 2) - s.Kernel) / s.Stride + 1;
        using var g = Tensor.Randn([ConvBatch, s.Out, outSize, outSize], gen);
        var samples = Sampler.Run(plan, () =>
        {
            using var scope = DisposeScope.Enter();
            x.Grad = null;
            w.Grad = null;
            var y = F.Conv2d(x, w, stride: s.Stride, padding: s.Kernel / 2);
            y.Backward(g);
        });
        return Measurement.TimePer(samples, plan, Units.MillisecondsPerIter,
            new Dictionary<string, object> { ["batch"] = ConvBatch });
    }

    // ------------------------------------------------------------ one SGD training step

    private const int TrainBatch = 16;
    private const double LearningRate = 0.01, Momentum = 0.9, WeightDecay = 1e-4;

    // One step of the model zoo's ResNet-18 (torchvision's layers and names) with Ocular.Torch.Optim.Sgd:
    // zero grads, forward, cross-entropy, backward, SGD with momentum and weight decay, read the loss.
    // engine.py does the same with torchvision.models.resnet18 and torch.optim.SGD.
    private static Measurement TrainStep(Plan plan)
    {
        using var gen = new Generator(0);
        Engine.ManualSeed(0);
        using var model = ModelZoo.Create("resnet18", 1000);
        model.Train();
        using var optimizer = new Sgd(model.Parameters(), lr: LearningRate, momentum: Momentum, weightDecay: WeightDecay);
        using var images = Tensor.Randn([TrainBatch, 3, 224, 224], gen);
        using var labels = Tensor.RandInt(0, 1000, [TrainBatch], gen);
        var lastLoss = double.NaN;
        var samples = Sampler.Run(plan, () =>
        {
            using var scope = DisposeScope.Enter();
            optimizer.ZeroGrad();
            var loss = F.CrossEntropy(model.Call(images), labels);
            loss.Backward();
            optimizer.Step();
            lastLoss = loss.Item<double>();
        });
        return Measurement.Throughput(samples, TrainBatch, Units.ImagesPerSecond,
            new Dictionary<string, object> { ["batch"] = TrainBatch, ["parameters"] = model.Parameters().Count(), ["loss"] = lastLoss });
    }
}
