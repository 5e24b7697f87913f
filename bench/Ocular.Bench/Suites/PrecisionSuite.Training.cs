using Ocular.Bench.Harness;
using Ocular.Torch;
using Ocular.Torch.Optim;
using Ocular.Vision.Models;
using F = Ocular.Torch.Functional;

namespace Ocular.Bench.Suites;

/// <summary>
/// The precision suite's training steps: one SGD step of the zoo's ResNet-18 and ResNet-50 at the train suite's batch (32)
/// and settings (4 classes, lr 0.01, momentum 0.9, weight decay 1e-4), on synthetic normal inputs and labels made once,
/// in float32 (NCHW, as the train suite) and in bfloat16: the forward and the loss under <see cref="Autocast"/> with
/// channels-last weights and input (<see cref="ResolvedPrecision.PrepareForTraining"/>, as the trainers), the backward and the step outside it (float32 master weights and optimiser state; no loss scaling
/// for bfloat16). The target is Ocular's bf16 line ≥ 1.5 × its fp32 line (field <c>bf16_over_fp32_target</c>).
/// </summary>
public sealed partial class PrecisionSuite
{
    private const int TrainClasses = 4;
    private const double LearningRate = 0.01, Momentum = 0.9, WeightDecay = 1e-4;
    private const double Bf16OverFp32Target = 1.5;   // issue 20: ResNet-18/50 training step in bf16 ≥ 1.5 × Ocular's float32

    private static readonly Plan TrainFull = new(Warmup: 1, Repeat: 3);
    private static readonly Plan TrainQuick = new(Warmup: 1, Repeat: 1);

    private static int TrainBatch => Quick ? 8 : 32;   // the train suite's batch; 8 for a quick run

    private IEnumerable<Workload> TrainingSteps()
    {
        foreach (var model in new[] { "resnet18", "resnet50" })
            foreach (var precision in new[] { Precision.Fp32, Precision.Bf16 })
            {
                var name = $"train_step_{model}_{Size}_b{TrainBatch}_{ResolvedPrecision.NameOf(precision)}";
                yield return new(name, Units.ImagesPerSecond, TrainFull with { PerSample = TrainBatch }, TrainQuick with { PerSample = TrainBatch },
                    p => TrainStep(p, model, precision));
            }
    }

    private static Measurement TrainStep(Plan plan, string architecture, Precision precision)
    {
        using var gen = new Generator(0);
        Engine.ManualSeed(0);
        using var model = ModelZoo.Create(architecture, TrainClasses);
        model.Train();
        var resolved = new ResolvedPrecision(precision, precision, null);
        resolved.PrepareForTraining(model);   // as the trainers: bf16 channels-last weights and inputs, float32 NCHW
        using var optimizer = new Sgd(model.Parameters(), lr: LearningRate, momentum: Momentum, weightDecay: WeightDecay);
        using var nchw = Tensor.Randn([plan.PerSample, 3, Size, Size], gen);
        using var images = resolved.TrainingInput(nchw);
        using var labels = Tensor.RandInt(TrainClasses, [plan.PerSample], gen);
        var lastLoss = double.NaN;
        var samples = Sampler.Run(plan, () =>
        {
            using var scope = DisposeScope.Enter();
            optimizer.ZeroGrad();
            Tensor loss;
            using (ResolvedPrecision.Enter(precision))   // bf16: autocast around forward + loss only
                loss = F.CrossEntropy(model.Call(images), labels);
            loss.Backward();
            optimizer.Step();
            lastLoss = loss.To(ScalarType.Float32).Item<float>();
        });
        var extra = PrecisionFields(precision);
        extra["batch"] = plan.PerSample;
        extra["loss"] = lastLoss;
        if (precision == Precision.Bf16) extra["bf16_over_fp32_target"] = Bf16OverFp32Target;
        return Measurement.Throughput(samples, plan.PerSample, Units.ImagesPerSecond, extra);
    }
}
