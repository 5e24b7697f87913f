using System.Text.Json.Serialization;

namespace Ocular.Vision.Training;

/// <summary>
/// Everything that defines a classifier training run — every option of <c>ocular train classifier</c>.
/// Stored in the run directory's <c>config.json</c>; a resumed run reads it back (only <see cref="Epochs"/>
/// may grow, and <see cref="Workers"/> may change, since the batches are the same for any worker count, and
/// <see cref="Precision"/>, since the weights are float32 in either precision).
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>The accepted optimizers.</summary>
    public static readonly IReadOnlyList<string> Optimizers = ["sgd", "adam", "adamw"];

    /// <summary>The accepted augmentation settings (see <see cref="DataRecipe"/>).</summary>
    public static readonly IReadOnlyList<string> Augmentations = ["default", "none"];

    /// <summary>The data set, in <see cref="Datasets.DataSpec"/> syntax (<c>shapes</c>, <c>cifar10:DIR</c>, <c>folder:ROOT</c>, …).</summary>
    public required string Data { get; init; }

    /// <summary>The architecture (a <see cref="Models.ModelZoo"/> name); may be left out when <see cref="Weights"/> is an Ocular checkpoint, whose architecture is then used.</summary>
    public string? Architecture { get; init; }

    /// <summary>Initial weights: a PyTorch <c>.pth</c> state dict or an Ocular <c>.ocular</c> checkpoint; the head is replaced when the number of classes differs.</summary>
    public string? Weights { get; init; }

    /// <summary>Train only the head (the final linear layer); the backbone's parameters are frozen.</summary>
    public bool FreezeBackbone { get; init; }

    /// <summary>The number of epochs.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Images per training batch (the last batch of an epoch may be smaller, as PyTorch's default <c>drop_last=False</c>).</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>The learning rate (the peak for <c>onecycle</c>); default 0.1 for SGD, 0.001 for Adam and AdamW.</summary>
    public double? LearningRate { get; init; }

    /// <summary><c>sgd</c>, <c>adam</c> or <c>adamw</c>.</summary>
    public string Optimizer { get; init; } = "sgd";

    /// <summary>SGD's momentum.</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>SGD's Nesterov momentum.</summary>
    public bool Nesterov { get; init; }

    /// <summary>Weight decay (L2 for SGD and Adam, decoupled for AdamW); default 0, or 0.01 for AdamW as PyTorch.</summary>
    public double? WeightDecay { get; init; }

    /// <summary>The learning-rate schedule (<see cref="LrSchedule"/>): <c>constant</c>, <c>step:E1,E2[,gamma=G]</c>, <c>cosine</c> or <c>onecycle</c>.</summary>
    public string Schedule { get; init; } = "constant";

    /// <summary>Cross-entropy label smoothing, in [0, 1).</summary>
    public double LabelSmoothing { get; init; }

    /// <summary><c>default</c> (the data set family's augmentation, see <see cref="DataRecipe"/>) or <c>none</c>.</summary>
    public string Augment { get; init; } = "default";

    /// <summary>The square input side; default: the data set's image size, 224 for image folders and lists.</summary>
    public int? InputSize { get; init; }

    /// <summary>The seed of weight initialisation, data order, augmentation and dropout.</summary>
    public ulong Seed { get; init; }

    /// <summary>Data-loader worker threads (0: load on the training thread). Does not change the results.</summary>
    public int Workers { get; init; } = 2;

    /// <summary>Also write TensorBoard event files (scalars) into the run directory's <c>tensorboard/</c>.</summary>
    public bool TensorBoard { get; init; }

    /// <summary>The run directory (created; must not already hold a run unless resuming).</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>
    /// Select the best epoch on the test split, as the original LFI-CAM and ABN scripts do (lfi-cam.md §7.13), and train
    /// on the whole training split. By default (false) the best epoch is selected on a validation split of
    /// <see cref="ValidationFraction"/> carved from the training split (<see cref="Datasets.ValidationSplit"/>).
    /// </summary>
    public bool SelectOnTest { get; init; }

    /// <summary>Train on the first N images of the training split only (before the validation split is carved from them); null: all.</summary>
    public int? TrainImages { get; init; }

    /// <summary>The fraction of the training split held out for model selection (default 0.1); unused with <see cref="SelectOnTest"/>.</summary>
    public double ValidationFraction { get; init; } = Datasets.ValidationSplit.DefaultFraction;

    /// <summary>
    /// Data-parallel runs: normalise every batch-norm layer with the statistics of all ranks' batches
    /// (<see cref="Torch.Distributed.SyncBatchNorm"/>), so that W ranks × batch B train as one process with batch W·B.
    /// One process: no effect.
    /// </summary>
    public bool SyncBatchNorm { get; init; }

    /// <summary>
    /// The number of ranks the run trains with, each on <see cref="BatchSize"/> images per step (set by the trainer and
    /// recorded in config.json, so that a resume with another number of ranks can keep the W·B images of a step).
    /// </summary>
    public int WorldSize { get; init; } = 1;

    /// <summary>
    /// The arithmetic of the forward passes and the loss (<see cref="TrainingPrecision"/>): float32 (the default: the same
    /// numbers on every machine), bf16 autocast with float32 master weights, or auto. The trainer records the precision
    /// that ran (fp32 or bf16) in config.json.
    /// </summary>
    [JsonConverter(typeof(PrecisionJsonConverter))]
    public Torch.Precision Precision { get; init; } = Torch.Precision.Fp32;

    /// <summary>The learning rate in effect (<see cref="LearningRate"/> or the optimizer's default).</summary>
    [JsonIgnore]
    public double EffectiveLearningRate => LearningRate ?? (Optimizer.Equals("sgd", StringComparison.OrdinalIgnoreCase) ? 0.1 : 1e-3);

    /// <summary>The weight decay in effect (<see cref="WeightDecay"/> or the optimizer's default).</summary>
    [JsonIgnore]
    public double EffectiveWeightDecay => WeightDecay ?? (Optimizer.Equals("adamw", StringComparison.OrdinalIgnoreCase) ? 1e-2 : 0);

    /// <summary>Checks every value; the message names the option, the value and what is accepted.</summary>
    /// <exception cref="ArgumentException">An option is out of range or unknown.</exception>
    public void Validate()
    {
        static void Require(bool ok, string message)
        {
            if (!ok) throw new ArgumentException(message);
        }
        Require(!string.IsNullOrWhiteSpace(Data), $"no data set given; accepted: {Datasets.DataSpec.Accepted}");
        Require(Architecture is not null || Weights?.EndsWith(".ocular", StringComparison.OrdinalIgnoreCase) == true,
            "no architecture given (--arch NAME; it may be left out only with --weights FILE.ocular)");
        if (Architecture is not null) Models.ModelZoo.Describe(Architecture); // unknown: the message lists the valid names
        Require(Epochs >= 1, $"--epochs must be at least 1, got {Epochs}");
        Require(BatchSize >= 1, $"--batch-size must be at least 1, got {BatchSize}");
        Require(Optimizers.Contains(Optimizer.ToLowerInvariant()), $"unknown optimizer '{Optimizer}'; accepted: {string.Join(", ", Optimizers)}");
        Require(EffectiveLearningRate > 0 && double.IsFinite(EffectiveLearningRate), $"--lr must be positive, got {EffectiveLearningRate}");
        Require(Momentum is >= 0 and < 1, $"--momentum must be in [0, 1), got {Momentum}");
        Require(!Nesterov || Momentum > 0, "--nesterov needs a positive --momentum");
        Require(EffectiveWeightDecay >= 0, $"--wd must not be negative, got {EffectiveWeightDecay}");
        Require(LabelSmoothing is >= 0 and < 1, $"--label-smoothing must be in [0, 1), got {LabelSmoothing}");
        Require(Augmentations.Contains(Augment.ToLowerInvariant()), $"unknown augmentation '{Augment}'; accepted: {string.Join(", ", Augmentations)}");
        Require(InputSize is null or >= 8, $"--input-size must be at least 8, got {InputSize}");
        Require(SelectOnTest || ValidationFraction is > 0 and < 1, $"--validation-fraction must be in (0, 1), got {ValidationFraction}");
        Require(TrainImages is null or >= 1, $"--train-images must be at least 1, got {TrainImages}");
        Require(WorldSize >= 1, $"the world size must be at least 1, got {WorldSize}");
        Require(Workers >= 0, $"--workers must not be negative, got {Workers}");
        Require(!string.IsNullOrWhiteSpace(OutputDirectory), "no run directory given (--out RUN_DIR)");
        LrSchedule.Parse(Schedule);
    }
}
