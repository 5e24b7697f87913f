using Ocular.Bench.Harness;
using Ocular.Evaluation;
using Ocular.Evaluation.Metrics;
using Ocular.Torch;
using Ocular.Vision;
using Ocular.Vision.Models;

namespace Ocular.Bench.Suites;

/// <summary>
/// The evaluate suite (issue #7, "Tests and benchmark"): images per second of the faithfulness metrics on
/// ResNet-50 (the zoo's, seed 0, 1000 classes, eval mode) for random raw [0, 1] 224 × 224 images and fixed random
/// maps in [0, 1], called exactly as <c>ocular evaluate</c> calls them (Evaluator / MethodAccumulator): one
/// <see cref="ModelScorer"/> over <c>x => model.Call(x)</c> with ImageNet normalisation and the evaluation's
/// default batch size (8), the clean predictions by <see cref="Predictions.Of"/>, then
/// <list type="bullet">
/// <item>AD and IC at keep 100, 50 and 15 %: <see cref="ConfidenceChange.Evaluate"/> per keep level (L-CAM's
/// <c>drop_Npercent</c>, soft kept values multiplied into the raw image, normalised, softmax of the clean top-1),
/// then <see cref="AverageDrop.PerImage"/> and <see cref="IncreaseInConfidence.PerImage"/>;</item>
/// <item>deletion and insertion with 224 steps of 224 pixels (RISE's protocol; insertion over RISE's σ = 5,
/// 11 × 11 blur): <see cref="DeletionInsertion.Evaluate"/> twice, 2 × 225 scored images per image;</item>
/// <item>ROAD, MoRF and LeRF at <see cref="Road.DefaultRemovedPercent"/> (10…90 % removed, as <c>ocular
/// evaluate</c>): <see cref="Road.Evaluate"/> twice, 14 noisy linear imputations and 14 scored batches per
/// 8 images. Its twin runs pytorch-grad-cam's <c>ROADMostRelevantFirst</c>/<c>ROADLeastRelevantFirst</c>
/// (scipy's sparse solve per image, the clean batch re-scored by every call).</item>
/// </list>
/// The clean predictions are inside the timed region. The twin, bench/python/evaluate.py, does the same work
/// the way the seeds' scripts do: batch size 1 (L-CAM's evaluation loop; eclique/RISE's
/// <c>CausalMetric.single_run</c>). Target (ratio Ocular/PyTorch images/s): ≥ 3.0.
/// </summary>
/// <remarks>
/// Deletion/insertion cost ~450 ResNet-50 forward passes per image, tens of seconds on a shared 2-core machine:
/// that workload measures one image per sample. <c>--quick</c> runs fewer samples (still 224 steps), not smaller work.
/// </remarks>
public sealed class EvaluateSuite : Suite
{
    /// <inheritdoc/>
    public override string Name => "evaluate";

    /// <inheritdoc/>
    public override string Description => "images/s of AD/IC (3 keep levels), deletion/insertion (224 steps) and ROAD (MoRF + LeRF, 7 percentages) on ResNet-50 (224²)";

    private const double Target = 3.0;
    private const int Size = 224;
    private const int BatchSize = 8;            // EvaluationSettings.BatchSize's default
    private const int AdIcImages = 8;
    private const int CurveImages = 1;
    private const int RoadImages = 8;           // one scoring batch per percentage
    private const int Step = 224;               // 224 steps at 224²
    private static readonly int[] KeepPercent = [100, 50, 15];

    private static readonly Plan AdIcFull = new(Warmup: 1, Repeat: 3, PerSample: AdIcImages);
    private static readonly Plan AdIcQuick = new(Warmup: 0, Repeat: 1, PerSample: AdIcImages);
    private static readonly Plan CurvesFull = new(Warmup: 1, Repeat: 2, PerSample: CurveImages);
    private static readonly Plan CurvesQuick = new(Warmup: 0, Repeat: 1, PerSample: CurveImages);
    private static readonly Plan RoadFull = new(Warmup: 1, Repeat: 1, PerSample: RoadImages);
    private static readonly Plan RoadQuick = new(Warmup: 0, Repeat: 1, PerSample: RoadImages);

    /// <inheritdoc/>
    public override IEnumerable<Workload> Workloads()
    {
        yield return new($"evaluate_ad_ic_3keep_resnet50_{Size}", Units.ImagesPerSecond, AdIcFull, AdIcQuick, AdIc, Target);
        yield return new($"evaluate_deletion_insertion_{Size * Size / Step}steps_resnet50_{Size}", Units.ImagesPerSecond, CurvesFull, CurvesQuick, Curves, Target);
        yield return new($"evaluate_road_morf_lerf_{Road.DefaultRemovedPercent.Length}pct_resnet50_{Size}", Units.ImagesPerSecond, RoadFull, RoadQuick, RoadBoth, Target);
    }

    private static Measurement AdIc(Plan plan) => Measure(plan, Size, Precision.Fp32, AdIcBody);

    private static Measurement Curves(Plan plan) => Measure(plan, Size, Precision.Fp32, (scorer, raw, maps) => CurvesBody(scorer, raw, maps, Step));

    /// <summary>AD and IC at the three keep levels, as MethodAccumulator.KeepLevels computes them (also the precision suite's).</summary>
    internal static void AdIcBody(ModelScorer scorer, Tensor raw, Tensor maps)
    {
        using var clean = Predictions.Of(scorer, raw);
        foreach (var keep in KeepPercent)
        {
            using var result = ConfidenceChange.Evaluate(scorer, raw, maps, clean, keep);
            _ = AverageDrop.PerImage(result.Clean, result.Masked);
            _ = IncreaseInConfidence.PerImage(result.Clean, result.Masked);
        }
    }

    /// <summary>Deletion and insertion AUCs with <paramref name="step"/> pixels per step, as MethodAccumulator.Curves computes them.</summary>
    internal static void CurvesBody(ModelScorer scorer, Tensor raw, Tensor maps, int step)
    {
        using var clean = Predictions.Of(scorer, raw);
        _ = DeletionInsertion.Evaluate(scorer, raw, maps, clean, DeletionInsertion.Kind.Deletion, step).Auc;
        _ = DeletionInsertion.Evaluate(scorer, raw, maps, clean, DeletionInsertion.Kind.Insertion, step).Auc;
    }

    /// <summary>ROAD MoRF and LeRF at the default percentages, as MethodAccumulator.RoadOrder computes them.</summary>
    private static Measurement RoadBoth(Plan plan) => Measure(plan, Size, Precision.Fp32, (scorer, raw, maps) =>
    {
        using var clean = Predictions.Of(scorer, raw);
        _ = Road.Evaluate(scorer, raw, maps, clean, Road.Order.MostRelevantFirst, Road.DefaultRemovedPercent, seed: 1).MeanAccuracy;
        _ = Road.Evaluate(scorer, raw, maps, clean, Road.Order.LeastRelevantFirst, Road.DefaultRemovedPercent, seed: 2).MeanAccuracy;
    });

    /// <summary>
    /// The suite's set-up — random raw images and maps of <paramref name="size"/>², one <see cref="ModelScorer"/> over the
    /// zoo's ResNet-50 with ImageNet normalisation at batch 8 in <paramref name="precision"/> — timing <paramref name="body"/>;
    /// <paramref name="extra"/> adds JSON fields (the precision suite's).
    /// </summary>
    internal static Measurement Measure(Plan plan, int size, Precision precision, Action<ModelScorer, Tensor, Tensor> body, Dictionary<string, object>? extra = null)
    {
        Engine.ManualSeed(0);
        using var model = ModelZoo.Create("resnet50");
        model.Eval();
        using var generator = new Generator(1);
        using var raw = Tensor.Rand([plan.PerSample, 3, size, size], generator);
        using var maps = Tensor.Rand([plan.PerSample, size, size], generator);
        var scorer = new ModelScorer(model, ImageNormalization.ImageNet, BatchSize, precision);
        var samples = Sampler.Run(plan, () => body(scorer, raw, maps));
        var fields = extra ?? [];
        fields["batch"] = BatchSize;
        return Measurement.Throughput(samples, plan.PerSample, Units.ImagesPerSecond, fields);
    }
}
