using System.Text.Json.Serialization;
using Ocular.Vision.Training;

namespace Ocular.Explain.Learned.LCam;

/// <summary>
/// The options of an L-CAM training run (<see cref="LCamTrainer"/>, <c>ocular train l-cam</c>). The defaults are the
/// reference's (l-cam.md §3, §4.3, §9): SGD with Nesterov momentum 0.9, weight decay 5e-4 on every group, biases at
/// twice the learning rate, the per-epoch decay of the backbone family, batch 64, each image's own map in the loss.
/// </summary>
public sealed record LCamTrainingOptions
{
    /// <summary>The explained classifier's checkpoint (<c>.ocular</c>); it is never modified.</summary>
    public required string Classifier { get; init; }

    /// <summary><c>fm</c>, <c>img</c> or <c>tame</c>.</summary>
    public string Variant { get; init; } = "fm";

    /// <summary>The layers the attention mechanism reads (null: <see cref="LCamLayers.Default"/>).</summary>
    public IReadOnlyList<string>? Layers { get; init; }

    /// <summary>The data set (<see cref="Vision.Datasets.DataSpec"/>); its classes must be the classifier's.</summary>
    public required string Data { get; init; }

    /// <summary>Train on the first N training images only (null: all).</summary>
    public int? TrainImages { get; init; }

    /// <summary>Evaluate each epoch on the first N test images only (null: all).</summary>
    public int? TestImages { get; init; }

    /// <summary>Epochs (the reference: 8 for VGG-16, 26 for ResNet-50).</summary>
    public int Epochs { get; init; } = 8;

    /// <summary>Images per batch (64; per rank in a data-parallel run).</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>
    /// The number of ranks the run trains with, each on <see cref="BatchSize"/> per step (set by the trainer and recorded
    /// in config.json, so that a resume with another number of ranks can keep the W·B of a step).
    /// </summary>
    public int WorldSize { get; init; } = 1;

    /// <summary>
    /// The learning rate of the weights (biases get <see cref="BiasLrFactor"/>×); null for the reference's effective value
    /// (§4.3, §9 defect 4): 0.01 for VGG, 1e-4 otherwise.
    /// </summary>
    public double? LearningRate { get; init; }

    /// <summary>The biases' learning rate relative to the weights' (2).</summary>
    public double BiasLrFactor { get; init; } = 2;

    /// <summary>SGD momentum (0.9).</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>Nesterov momentum (on).</summary>
    public bool Nesterov { get; init; } = true;

    /// <summary>Weight decay, on every group, biases included (5e-4).</summary>
    public double WeightDecay { get; init; } = 5e-4;

    /// <summary>
    /// The schedule (<see cref="LrSchedule"/>); null for the reference's per-epoch decay (§4.3): ×0.75 at the start of
    /// epochs 1–22 for VGG, ×0.95 at the start of epochs 1–12 otherwise (then constant).
    /// </summary>
    public string? Schedule { get; init; }

    /// <summary><c>predictions</c> (the classifier's own top-1, default) or <c>labels</c> (the data set's).</summary>
    public string Targets { get; init; } = "predictions";

    /// <summary><c>own</c> (each image's own map, default) or <c>cross-label</c> (the original N×N selection).</summary>
    public string MaskLoss { get; init; } = "own";

    /// <summary>λ3, the cross-entropy coefficient.</summary>
    public double CeWeight { get; init; } = 1.5;

    /// <summary>λ2, the area coefficient.</summary>
    public double AreaWeight { get; init; } = 2;

    /// <summary>λ1, the total-variation coefficient.</summary>
    public double TvWeight { get; init; } = 0.01;

    /// <summary>λ4, the area exponent.</summary>
    public double AreaExponent { get; init; } = 0.3;

    /// <summary>
    /// The fixed views of each training image: 1 (the image) or 2 (the image and its horizontal flip, one of the two
    /// drawn per image and epoch from the seed). The same views with or without the feature cache.
    /// </summary>
    public int Views { get; init; } = 2;

    /// <summary>
    /// L-CAM-Fm's feature cache: <c>memory</c> (the frozen features of every view computed once; later epochs run only
    /// the attention mechanism and the head; the default for fm) or <c>none</c>. Img and TAME cannot cache.
    /// </summary>
    public string Cache { get; init; } = "auto";

    /// <summary>The cached features' element type: <c>float16</c> (default, half the memory) or <c>float32</c>.</summary>
    public string CacheType { get; init; } = "float16";

    /// <summary>The seed of the attention mechanism's initialisation, the data order and the views.</summary>
    public ulong Seed { get; init; }

    /// <summary>Data-loader worker threads (does not change the results).</summary>
    public int Workers { get; init; } = 2;

    /// <summary>
    /// Data-parallel runs (<c>--sync-bn</c>): TAME's batch-norm layers normalise with the statistics of every rank's
    /// batch, so that W ranks × batch B train as one process with batch W·B; Fm and Img have no batch norm. One process:
    /// no effect. False in a config.json written before the option existed.
    /// </summary>
    public bool SyncBatchNorm { get; init; }

    /// <summary>
    /// The arithmetic of the forward passes and the loss (<see cref="TrainingPrecision"/>): float32 (default), bf16
    /// autocast with float32 master weights — the frozen classifier's features too, the cache keeping them in
    /// <see cref="CacheType"/> — or auto. The trainer records the precision that ran (fp32 or bf16) in config.json.
    /// </summary>
    [JsonConverter(typeof(PrecisionJsonConverter))]
    public Torch.Precision Precision { get; init; } = Torch.Precision.Fp32;

    /// <summary>Also write TensorBoard event files.</summary>
    public bool TensorBoard { get; init; }

    /// <summary>The run directory.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>The variant as an enum.</summary>
    [JsonIgnore]
    public LCamVariant VariantKind => LCamVariants.Parse(Variant);

    /// <summary>Whether the feature cache is used.</summary>
    [JsonIgnore]
    public bool UsesCache => Cache.ToLowerInvariant() switch
    {
        "auto" => VariantKind == LCamVariant.Fm,
        "memory" => true,
        _ => false,
    };

    /// <summary>The target source as an enum.</summary>
    [JsonIgnore]
    public LCamTargetSource TargetSource => Targets.ToLowerInvariant() switch
    {
        "predictions" => LCamTargetSource.Predictions,
        "labels" => LCamTargetSource.Labels,
        _ => throw new ArgumentException($"unknown --targets '{Targets}'; accepted: predictions, labels"),
    };

    /// <summary>The mask-loss selection as an enum.</summary>
    [JsonIgnore]
    public MaskLossSelection MaskLossSelection => MaskLoss.ToLowerInvariant() switch
    {
        "own" => MaskLossSelection.OwnClass,
        "cross-label" => MaskLossSelection.CrossLabel,
        _ => throw new ArgumentException($"unknown --mask-loss '{MaskLoss}'; accepted: own, cross-label"),
    };

    /// <summary>The loss coefficients.</summary>
    [JsonIgnore]
    public LCamLossWeights LossWeights => new(CeWeight, AreaWeight, TvWeight, AreaExponent);

    /// <summary>Checks every value; the message names the option, the value and what is accepted.</summary>
    public void Validate()
    {
        static void Require(bool ok, string message)
        {
            if (!ok) throw new ArgumentException(message);
        }
        Require(!string.IsNullOrWhiteSpace(Classifier), "no classifier given (--model FILE.ocular)");
        Require(!string.IsNullOrWhiteSpace(Data), $"no data set given; accepted: {Vision.Datasets.DataSpec.Accepted}");
        var variant = VariantKind;
        Require(Epochs >= 1, $"--epochs must be at least 1, got {Epochs}");
        Require(BatchSize >= 1, $"--batch-size must be at least 1, got {BatchSize}");
        Require(TrainImages is null or >= 1, $"--train-images must be at least 1, got {TrainImages}");
        Require(TestImages is null or >= 1, $"--test-images must be at least 1, got {TestImages}");
        Require(LearningRate is null || (LearningRate > 0 && double.IsFinite(LearningRate.Value)), $"--lr must be positive, got {LearningRate}");
        Require(BiasLrFactor > 0, $"the bias learning-rate factor must be positive, got {BiasLrFactor}");
        Require(Momentum is >= 0 and < 1, $"--momentum must be in [0, 1), got {Momentum}");
        Require(!Nesterov || Momentum > 0, "Nesterov momentum needs a positive --momentum");
        Require(WeightDecay >= 0, $"--wd must not be negative, got {WeightDecay}");
        Require(Views is 1 or 2, $"--views must be 1 or 2, got {Views}");
        Require(Cache.ToLowerInvariant() is "auto" or "memory" or "none", $"unknown --cache '{Cache}'; accepted: auto, memory, none");
        Require(!UsesCache || variant == LCamVariant.Fm, $"--cache memory applies to L-CAM-Fm only (L-CAM-{variant} masks the image, so the frozen features change every step)");
        Require(CacheType.ToLowerInvariant() is "float16" or "float32", $"unknown --cache-type '{CacheType}'; accepted: float16, float32");
        Require(Workers >= 0, $"--workers must not be negative, got {Workers}");
        Require(WorldSize >= 1, $"the world size must be at least 1, got {WorldSize}");
        Require(!string.IsNullOrWhiteSpace(OutputDirectory), "no run directory given (--out RUN_DIR)");
        _ = TargetSource;
        _ = MaskLossSelection;
        LossWeights.Validate();
        if (Schedule is not null) LrSchedule.Parse(Schedule);
    }
}
