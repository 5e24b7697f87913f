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
    private const int AdIcImages = 8;

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
            plan => ExplainSuite.Explain(plan, "score-cam", size, 1, Bf16(new ExplainerOptions { Layers = [layer] }), Fields), ScoreCamTarget);
        yield return new($"ablation_cam_resnet50_{size}_{layer}_b1_bf16", MsPerImage, PerturbationFull, PerturbationQuick,
            plan => ExplainSuite.Explain(plan, "ablation-cam", size, 1, Bf16(new ExplainerOptions { Layers = [layer] }), Fields));
        yield return new($"rise{RiseMasks}_resnet50_{size}_b1_bf16", MsPerImage, PerturbationFull, PerturbationQuick,
            plan => ExplainSuite.Explain(plan, "rise", size, 1, Bf16(new ExplainerOptions { RiseMasks = RiseMasks }), Fields));
        yield return new($"evaluate_ad_ic_3keep_resnet50_{size}_bf16", Units.ImagesPerSecond, AdIcFull, AdIcQuick,
            plan => EvaluateSuite.Measure(plan, size, Precision.Bf16, EvaluateSuite.AdIcBody, PrecisionFields(Precision.Bf16)), MetricTarget);
        var step = CurveStep;
        yield return new($"evaluate_deletion_insertion_{size * size / step}steps_resnet50_{size}_bf16", Units.ImagesPerSecond, CurvesFull, CurvesQuick,
            plan => EvaluateSuite.Measure(plan, size, Precision.Bf16, (scorer, raw, maps) => EvaluateSuite.CurvesBody(scorer, raw, maps, step), PrecisionFields(Precision.Bf16)), MetricTarget);
        foreach (var workload in TrainingSteps()) yield return workload;
    }

    /// <summary>The explainer options in bfloat16 (<see cref="ExplainerOptions.Precision"/>).</summary>
    private static ExplainerOptions Bf16(ExplainerOptions options) => options with { Precision = Precision.Bf16 };

    /// <summary>The fields of a bf16 explainer line.</summary>
    private static Dictionary<string, object> Fields => PrecisionFields(Precision.Bf16);

    /// <summary>The JSON fields every line of this suite carries: what ran, and whether the processor computes it natively.</summary>
    private static Dictionary<string, object> PrecisionFields(Precision precision) => new()
    {
        ["precision"] = ResolvedPrecision.NameOf(precision),
        ["native_bf16"] = CpuFeatures.HasNativeBf16,
    };
}
