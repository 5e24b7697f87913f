using Ocular.Bench.Harness;
using Ocular.Evaluation;
using Ocular.Evaluation.Metrics;
using Ocular.Explain;
using Ocular.Torch;
using Ocular.Vision;
using Ocular.Vision.Models;

namespace Ocular.Bench.Suites;

/// <summary>
/// The precision suite (issue 20, "Mixed precision", part "What it must show: Bench"): Ocular in bfloat16 autocast
/// (<see cref="Precision.Bf16"/> through the library's options) on the explain and evaluate suites' perturbation work —
/// Score-CAM, Ablation-CAM and RISE on ResNet-50 (the zoo's, seed 0), AD/IC and deletion/insertion scoring — and the
/// ResNet-18 and ResNet-50 training step in float32 and in bfloat16. The twin, bench/python/precision.py, runs the same
/// work as the reference code writes it in float32 (the reference twin: the explain and evaluate suites' reference twins)
/// and under <c>torch.autocast("cpu", dtype=torch.bfloat16)</c> with channels-last model and inputs (the expert twin).
/// Targets against the float32 reference twin: Score-CAM ≥ 2.0, AD/IC and deletion/insertion ≥ 3.0; the training step's
/// target (bf16 ≥ 1.5 × Ocular's own float32) is between this side's <c>_bf16</c> and <c>_fp32</c> lines, which
/// bench/python/compare.py prints under the table.
/// </summary>
/// <remarks>
/// Every line records <c>precision</c> (what this side ran) and <c>native_bf16</c> (<see cref="CpuFeatures.HasNativeBf16"/>):
/// where the processor lacks AVX-512 BF16 and AMX, oneDNN emulates bfloat16 and it is several times slower than float32,
/// so those figures say nothing about bfloat16 hardware (compare.py warns). <c>--quick</c> runs 32 × 32 images (Score-CAM
/// and Ablation-CAM at <c>maxpool</c>, 64 channels; RISE with 32 masks; deletion/insertion in 16 steps; training at batch 8)
/// so that a smoke run fits minutes even with emulated bfloat16; the sizes are part of the names.
/// </remarks>
public sealed partial class PrecisionSuite : Suite
{
    /// <inheritdoc/>
    public override string Name => "precision";

    /// <inheritdoc/>
    public override string Description => "bf16 autocast: Score-CAM, Ablation-CAM, RISE, AD/IC, deletion/insertion on ResNet-50; ResNet-18/50 training steps fp32 and bf16";

    private const string MsPerImage = "ms/image";
    private const double ScoreCamTarget = 2.0;      // issue 20: Score-CAM ≥ 2.0 against the float32 twin
    private const double MetricTarget = 3.0;        // issue 20: AD/IC and deletion/insertion ≥ 3.0
    private const int ScoringBatch = 8;             // EvaluationSettings.BatchSize's default, as the evaluate suite
    private const int AdIcImages = 8;
    private static readonly int[] KeepPercent = [100, 50, 15];

    private static readonly Plan PerturbationFull = new(Warmup: 0, Repeat: 1, PerSample: 1);
    private static readonly Plan PerturbationQuick = new(Warmup: 0, Repeat: 1, PerSample: 1);
    private static readonly Plan AdIcFull = new(Warmup: 1, Repeat: 3, PerSample: AdIcImages);
    private static readonly Plan AdIcQuick = new(Warmup: 0, Repeat: 1, PerSample: AdIcImages);
    private static readonly Plan CurvesFull = new(Warmup: 1, Repeat: 2, PerSample: 1);
    private static readonly Plan CurvesQuick = new(Warmup: 0, Repeat: 1, PerSample: 1);

    // The harness passes --quick to Workloads() only through the plans; the sizes are part of the names (as ExplainSuite).
    private static bool Quick => Environment.GetCommandLineArgs().Contains("--quick");

    private static int Size => Quick ? 32 : 224;

    // Score-CAM and Ablation-CAM explain layer1 (256 channels: 256 passes per image) as the explain suite; the quick run
    // explains maxpool (64 channels) so that emulated bfloat16 fits a smoke run.
    private static string PerturbedLayer => Quick ? "maxpool" : "layer1";

    private static int RiseMasks => Quick ? 32 : 256;

    // Deletion/insertion: 224 steps of 224 pixels at 224² (the evaluate suite's); 16 steps of 64 pixels at 32².
    private static int CurveStep => Quick ? 64 : 224;

    /// <inheritdoc/>
    public override IEnumerable<Workload> Workloads()
    {
        var size = Size;
        var layer = PerturbedLayer;
        yield return new($"score_cam_resnet50_{size}_{layer}_b1_bf16", MsPerImage, PerturbationFull, PerturbationQuick,
            plan => Explain(plan, "score-cam", size, new ExplainerOptions { Layers = [layer], Precision = Precision.Bf16 }), ScoreCamTarget);
        yield return new($"ablation_cam_resnet50_{size}_{layer}_b1_bf16", MsPerImage, PerturbationFull, PerturbationQuick,
            plan => Explain(plan, "ablation-cam", size, new ExplainerOptions { Layers = [layer], Precision = Precision.Bf16 }));
        yield return new($"rise{RiseMasks}_resnet50_{size}_b1_bf16", MsPerImage, PerturbationFull, PerturbationQuick,
            plan => Explain(plan, "rise", size, new ExplainerOptions { RiseMasks = RiseMasks, Precision = Precision.Bf16 }));
        yield return new($"evaluate_ad_ic_3keep_resnet50_{size}_bf16", Units.ImagesPerSecond, AdIcFull, AdIcQuick,
            plan => Score(plan, size, AdIc), MetricTarget);
        var step = CurveStep;
        yield return new($"evaluate_deletion_insertion_{size * size / step}steps_resnet50_{size}_bf16", Units.ImagesPerSecond, CurvesFull, CurvesQuick,
            plan => Score(plan, size, (scorer, raw, maps) => Curves(scorer, raw, maps, step)), MetricTarget);
        foreach (var workload in TrainingSteps()) yield return workload;
    }

    /// <summary>The JSON fields every line of this suite carries: what ran, and whether the processor computes it natively.</summary>
    private static Dictionary<string, object> PrecisionFields(Precision precision) => new()
    {
        ["precision"] = ResolvedPrecision.NameOf(precision),
        ["native_bf16"] = CpuFeatures.HasNativeBf16,
    };

    /// <summary>One random normalised image of <paramref name="size"/>² explained for its predicted class, as ExplainSuite does.</summary>
    private static Measurement Explain(Plan plan, string method, int size, ExplainerOptions options)
    {
        Engine.ManualSeed(0);
        using var model = ModelZoo.Create("resnet50");
        model.Eval();
        using var generator = new Generator(1);
        using var x = Tensor.Randn([1, 3, size, size], generator);
        Tensor targets;
        using (Autograd.NoGrad())
        using (var logits = model.Call(x))
            targets = logits.Argmax(1);
        using (targets)
        using (var explainer = ExplainerRegistry.Create(method, model, options))
        {
            var samples = Sampler.Run(plan, () =>
            {
                using var maps = explainer.Explain(x, targets);
            });
            return Measurement.TimePer(samples, plan, MsPerImage, PrecisionFields(options.Precision));
        }
    }

    /// <summary>AD and IC at the three keep levels, as EvaluateSuite (MethodAccumulator.KeepLevels).</summary>
    private static void AdIc(ModelScorer scorer, Tensor raw, Tensor maps)
    {
        using var clean = Predictions.Of(scorer, raw);
        foreach (var keep in KeepPercent)
        {
            using var result = ConfidenceChange.Evaluate(scorer, raw, maps, clean, keep);
            _ = AverageDrop.PerImage(result.Clean, result.Masked);
            _ = IncreaseInConfidence.PerImage(result.Clean, result.Masked);
        }
    }

    /// <summary>Deletion and insertion AUCs, as EvaluateSuite (MethodAccumulator.Curves).</summary>
    private static void Curves(ModelScorer scorer, Tensor raw, Tensor maps, int step)
    {
        using var clean = Predictions.Of(scorer, raw);
        _ = DeletionInsertion.Evaluate(scorer, raw, maps, clean, DeletionInsertion.Kind.Deletion, step).Auc;
        _ = DeletionInsertion.Evaluate(scorer, raw, maps, clean, DeletionInsertion.Kind.Insertion, step).Auc;
    }

    /// <summary>
    /// The evaluate suite's set-up — random raw images and maps, one <see cref="ModelScorer"/> over the zoo's ResNet-50 with
    /// ImageNet normalisation at batch 8 — with the scorer in bfloat16 (<see cref="EvaluationSettings.Precision"/>'s path).
    /// </summary>
    private static Measurement Score(Plan plan, int size, Action<ModelScorer, Tensor, Tensor> body)
    {
        Engine.ManualSeed(0);
        using var model = ModelZoo.Create("resnet50");
        model.Eval();
        using var generator = new Generator(1);
        using var raw = Tensor.Rand([plan.PerSample, 3, size, size], generator);
        using var maps = Tensor.Rand([plan.PerSample, size, size], generator);
        var scorer = new ModelScorer(x => model.Call(x), ImageNormalization.ImageNet, ScoringBatch, Precision.Bf16);
        var samples = Sampler.Run(plan, () => body(scorer, raw, maps));
        var extra = PrecisionFields(scorer.Precision);
        extra["batch"] = ScoringBatch;
        return Measurement.Throughput(samples, plan.PerSample, Units.ImagesPerSecond, extra);
    }
}
