using System.Text.Json.Serialization;
using Ocular.Vision.Models.Prototypes;
using Ocular.Vision.Training;

namespace Ocular.Explain.Learned.Lvw;

/// <summary>
/// The options of a Learnable Visual Words (or ProtoPNet) training run (<c>ocular train lvw</c>), with the original
/// code's values as defaults (reference <c>learnable-visual-words.md</c> §4). Written to the run's <c>config.json</c>;
/// a resumed run keeps them (only <see cref="Epochs"/> and <see cref="Workers"/> may change).
/// </summary>
public sealed record LvwTrainingOptions
{
    /// <summary>The base classifier (an <c>.ocular</c> checkpoint) whose Grad-CAM maps are LVW's alignment targets, and whose preprocessing the run uses.</summary>
    public required string BaseClassifier { get; init; }

    /// <summary>
    /// The architecture of a base classifier given as PyTorch weights (a torchvision-style <c>.pth</c> state dict of a zoo
    /// architecture, e.g. the fine-tuned ResNet-34 of the original's step 1): it is imported on the fly with ImageNet
    /// normalisation at the architecture's input size. Null for an <c>.ocular</c> checkpoint, which records its preprocessing.
    /// </summary>
    public string? BaseArchitecture { get; init; }

    /// <summary>The data set (a data spec: <c>shapes</c>, <c>fashion-mnist</c>, <c>folder:/data/pets</c>, …).</summary>
    public required string Data { get; init; }

    /// <summary><c>lvw</c> (shared words, alignment) or <c>protopnet</c> (class-specific prototypes).</summary>
    public string Mode { get; init; } = "lvw";

    /// <summary>The backbone (a zoo name); default: the base classifier's architecture.</summary>
    public string? Backbone { get; init; }

    /// <summary>Words per class (P = this × K; §2: 5).</summary>
    public int WordsPerClass { get; init; } = PrototypeArchitectures.DefaultWordsPerClass;

    /// <summary>The word dimension D (§2: 128).</summary>
    public int Dimension { get; init; } = PrototypeArchitectures.DefaultDimension;

    /// <summary>
    /// The backbone's initial weights: <c>base</c> (the base classifier's trunk, when it has the same architecture; the
    /// default then), a weights file (a torchvision <c>.pth</c> such as ImageNet's <c>resnet34</c>, as the original), or
    /// <c>none</c> (a fresh backbone).
    /// </summary>
    public string? BackboneWeights { get; init; }

    /// <summary>The total number of epochs, numbered 0…Epochs−1 as in the original (§4: 201).</summary>
    public int Epochs { get; init; } = 201;

    /// <summary>Warm-up epochs: the add-on layers and words train on a frozen backbone, without the alignment loss (§4: 10).</summary>
    public int WarmEpochs { get; init; } = 10;

    /// <summary>The first epoch after which the words are pushed (§4: 10).</summary>
    public int PushStart { get; init; } = 10;

    /// <summary>Pushes follow every epoch e ≥ <see cref="PushStart"/> with e a multiple of this (§4: 10).</summary>
    public int PushEvery { get; init; } = 10;

    /// <summary>Last-layer-only passes over the training set after each push (§4: 20).</summary>
    public int LastLayerIterations { get; init; } = 20;

    /// <summary>The joint phase's StepLR step size in epochs (§4: 5, which freezes joint training by about epoch 30; defect §8.7).</summary>
    public int JointLrStepSize { get; init; } = 5;

    /// <summary>The joint phase's StepLR factor (0.1).</summary>
    public double JointLrGamma { get; init; } = 0.1;

    /// <summary>The backbone's learning rate in the joint phase (1e-4).</summary>
    public double BackboneLr { get; init; } = 1e-4;

    /// <summary>The add-on layers' learning rate, warm-up and joint (3e-3).</summary>
    public double AddOnLr { get; init; } = 3e-3;

    /// <summary>The words' learning rate, warm-up and joint (3e-3).</summary>
    public double WordsLr { get; init; } = 3e-3;

    /// <summary>The last layer's learning rate (1e-4).</summary>
    public double LastLayerLr { get; init; } = 1e-4;

    /// <summary>Adam's weight decay on the backbone and the add-on layers (1e-3; the words and the last layer have none).</summary>
    public double WeightDecay { get; init; } = 1e-3;

    /// <summary>The cluster cost's weight (0.8).</summary>
    public double ClusterWeight { get; init; } = 0.8;

    /// <summary>The separation cost's weight; default −0.08 for ProtoPNet, 0 for LVW (which has none, §3).</summary>
    public double? SeparationWeight { get; init; }

    /// <summary>The last layer's L1 weight (1e-4).</summary>
    public double L1Weight { get; init; } = 1e-4;

    /// <summary>The alignment loss's weight; default 10 for LVW, 0 for ProtoPNet.</summary>
    public double? AlignWeight { get; init; }

    /// <summary>The base classifier's layer for the Grad-CAM targets; default its default layer (<c>layer4</c> for ResNets).</summary>
    public string? TargetLayer { get; init; }

    /// <summary>Where alignment targets are cached (one file per data set and settings); default <c>~/.cache/ocular/alignment-targets</c>.</summary>
    public string? TargetsCache { get; init; }

    /// <summary>
    /// Reproduce the original's misaligned flips (§8.2): the image gets its own random flip before the flip it shares with
    /// its target map, so about half the pairs are mirrored. Off: one flip decision per sample for both.
    /// </summary>
    public bool IndependentFlip { get; init; }

    /// <summary>The training batch size (§4: 80; per rank in a data-parallel run).</summary>
    public int BatchSize { get; init; } = 80;

    /// <summary>
    /// The number of ranks the run trains with, each on <see cref="BatchSize"/> per step (set by the trainer and recorded
    /// in config.json, so that a resume with another number of ranks can keep the W·B of a step).
    /// </summary>
    public int WorldSize { get; init; } = 1;

    /// <summary>The evaluation batch size (§4: 100).</summary>
    public int TestBatchSize { get; init; } = 100;

    /// <summary>The push batch size (§4: 75; it does not change the result).</summary>
    public int PushBatchSize { get; init; } = 75;

    /// <summary>Use only the first N training images (before the validation split is carved).</summary>
    public int? TrainImages { get; init; }

    /// <summary>Use only the first N test images.</summary>
    public int? TestImages { get; init; }

    /// <summary>Select the best checkpoint on the test split, as the original (§8.13); default: on a validation split.</summary>
    public bool SelectOnTest { get; init; }

    /// <summary>The fraction of the training split carved out for validation (fixed seed).</summary>
    public double ValidationFraction { get; init; } = Vision.Datasets.ValidationSplit.DefaultFraction;

    /// <summary>The seed of the initialisation, the data order and the flips.</summary>
    public ulong Seed { get; init; }

    /// <summary>Image-loading worker threads.</summary>
    public int Workers { get; init; } = 2;

    /// <summary>
    /// Data-parallel runs (<c>--sync-bn</c>): the network's batch-norm layers (the backbone's, in training mode in every
    /// phase) normalise with the statistics of every rank's batch, as one process with batch W·B. One process: no
    /// effect. False in a config.json written before the option existed.
    /// </summary>
    public bool SyncBatchNorm { get; init; }

    /// <summary>
    /// The arithmetic of the training and evaluation forward passes and the loss (<see cref="TrainingPrecision"/>):
    /// float32 (default), bf16 autocast with float32 master weights, or auto; the push and the alignment targets stay
    /// float32 (they select patches and are cached across runs). The trainer records the precision that ran in config.json.
    /// </summary>
    [JsonConverter(typeof(PrecisionJsonConverter))]
    public Torch.Precision Precision { get; init; } = Torch.Precision.Fp32;

    /// <summary>Also write TensorBoard event files.</summary>
    public bool TensorBoard { get; init; }

    /// <summary>The run directory.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>The parsed <see cref="Mode"/>.</summary>
    [JsonIgnore]
    public PrototypeMode ModeKind => Mode.Trim().ToLowerInvariant() switch
    {
        "lvw" => PrototypeMode.Lvw,
        "protopnet" => PrototypeMode.ProtoPNet,
        _ => throw new ArgumentException($"unknown --mode '{Mode}'; accepted: lvw, protopnet"),
    };

    /// <summary>The loss weights of the mode with this run's overrides.</summary>
    [JsonIgnore]
    public LvwLossWeights LossWeights
    {
        get
        {
            var defaults = ModeKind == PrototypeMode.Lvw ? LvwLossWeights.Lvw : LvwLossWeights.ProtoPNet;
            return defaults with
            {
                Cluster = ClusterWeight, L1 = L1Weight,
                Separation = SeparationWeight ?? defaults.Separation, Align = AlignWeight ?? defaults.Align,
            };
        }
    }

    /// <summary>Whether a push follows epoch <paramref name="epoch"/> (0-based).</summary>
    public bool PushesAfter(int epoch) => epoch >= PushStart && epoch % PushEvery == 0;

    /// <summary>Checks every option; the message names the option and what is accepted.</summary>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public void Validate()
    {
        static void Require(bool ok, string message)
        {
            if (!ok) throw new ArgumentException(message);
        }
        Require(!string.IsNullOrWhiteSpace(BaseClassifier), "no base classifier given (--base FILE.ocular)");
        Require(!string.IsNullOrWhiteSpace(Data), $"no data set given; accepted: {Vision.Datasets.DataSpec.Accepted}");
        var mode = ModeKind;
        Require(WordsPerClass >= 1, $"--words-per-class must be at least 1, got {WordsPerClass}");
        Require(Dimension >= 1, $"--dimension must be at least 1, got {Dimension}");
        Require(Epochs >= 1, $"--epochs must be at least 1, got {Epochs}");
        Require(WarmEpochs >= 0 && WarmEpochs <= Epochs, $"--warm-epochs must be in 0..{Epochs}, got {WarmEpochs}");
        Require(PushStart >= 0, $"--push-start must not be negative, got {PushStart}");
        Require(PushEvery >= 1, $"--push-every must be at least 1, got {PushEvery}");
        Require(LastLayerIterations >= 0, $"--last-layer-iterations must not be negative, got {LastLayerIterations}");
        Require(JointLrStepSize >= 1, $"--joint-lr-step must be at least 1, got {JointLrStepSize}");
        Require(JointLrGamma > 0 && JointLrGamma <= 1, $"the joint learning-rate factor must be in (0, 1], got {JointLrGamma}");
        foreach (var (name, value) in new[] { ("--backbone-lr", BackboneLr), ("--add-on-lr", AddOnLr), ("--words-lr", WordsLr), ("--last-layer-lr", LastLayerLr) })
            Require(value > 0 && double.IsFinite(value), $"{name} must be positive, got {value}");
        Require(WeightDecay >= 0, $"--wd must not be negative, got {WeightDecay}");
        Require(mode == PrototypeMode.ProtoPNet || (SeparationWeight ?? 0) == 0,
            "--separation applies to ProtoPNet's class-specific prototypes; shared words have no class to separate from (the LVW code defines the weight but never uses it, §3)");
        Require(mode == PrototypeMode.Lvw || (AlignWeight ?? 0) == 0, "--align-weight applies to Learnable Visual Words; ProtoPNet has no alignment loss");
        Require(mode == PrototypeMode.Lvw || !IndependentFlip, "--independent-flip applies to LVW's image/target-map pairs; ProtoPNet has no target maps");
        var weights = LossWeights;
        Require(weights.Align >= 0 && weights.Cluster >= 0 && weights.L1 >= 0, "the loss weights of the cluster, L1 and alignment terms must not be negative");
        Require(BatchSize >= 1 && TestBatchSize >= 1 && PushBatchSize >= 1, "the batch sizes must be at least 1");
        Require(TrainImages is null or >= 2, $"--train-images must be at least 2, got {TrainImages}");
        Require(TestImages is null or >= 1, $"--test-images must be at least 1, got {TestImages}");
        Require(SelectOnTest || (ValidationFraction > 0 && ValidationFraction < 1), $"--validation-fraction must be in (0, 1), got {ValidationFraction}");
        Require(Workers >= 0, $"--workers must not be negative, got {Workers}");
        Require(WorldSize >= 1, $"the world size must be at least 1, got {WorldSize}");
        Require(!string.IsNullOrWhiteSpace(OutputDirectory), "no run directory given (--out RUN_DIR)");
    }
}
