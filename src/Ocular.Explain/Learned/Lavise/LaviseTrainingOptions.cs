using System.Text.Json.Serialization;
using Ocular.Vision.Training;

namespace Ocular.Explain.Learned.Lavise;

/// <summary>
/// The options of a LaViSE training run (<see cref="LaviseTrainer"/>, <c>ocular train lavise</c>). The optimisation is the
/// original's (lavise.md §3.5): Adam at 1e-4 on the explainer only, <c>ReduceLROnPlateau</c> with PyTorch's defaults
/// stepped on the validation loss, margin 1, the checkpoint with the lowest validation loss kept. Where the original is
/// defective the default is the fix (§8): seen concepts drawn without replacement at 0.7, train-mode batch norm.
/// </summary>
public sealed record LaviseTrainingOptions
{
    /// <summary>The explained classifier's checkpoint (<c>.ocular</c>); frozen, never modified.</summary>
    public required string Classifier { get; init; }

    /// <summary>The explained layer (null: the classifier's default layer, <c>layer4</c> for ResNets).</summary>
    public string? Layer { get; init; }

    /// <summary>The concept-annotated reference data (<see cref="Vision.Datasets.DataSpec"/>: <c>coco:ROOT</c>, <c>vg:ROOT</c>, <c>shapes</c>); the test split validates.</summary>
    public required string Data { get; init; }

    /// <summary>The word embedding (GloVe text, word2vec text or binary); null: Ocular's default fastText vectors trained on the WordNet glosses.</summary>
    public string? Embeddings { get; init; }

    /// <summary>Train on the first N training images only (null: all).</summary>
    public int? TrainImages { get; init; }

    /// <summary>Validate on the first N test images only (null: all).</summary>
    public int? TestImages { get; init; }

    /// <summary>Epochs (20).</summary>
    public int Epochs { get; init; } = 20;

    /// <summary>Concept–mask pairs per batch (64; per rank in a data-parallel run).</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>
    /// The number of ranks the run trains with, each on <see cref="BatchSize"/> per step (set by the trainer and recorded
    /// in config.json, so that a resume with another number of ranks can keep the W·B of a step).
    /// </summary>
    public int WorldSize { get; init; } = 1;

    /// <summary>Adam's learning rate (1e-4, the original's).</summary>
    public double LearningRate { get; init; } = 1e-4;

    /// <summary>The hinge margin (1).</summary>
    public double Margin { get; init; } = 1;

    /// <summary>The fraction of label columns seen in training (0.7, the paper's; 1 = all, the COCO setting).</summary>
    public double SeenRate { get; init; } = 0.7;

    /// <summary>
    /// Keep the explainer's batch norm in evaluation mode while training, as the original's <c>set_bn_eval</c> (§8.7);
    /// off by default (standard train-mode batch norm).
    /// </summary>
    public bool FreezeExplainerBatchNorm { get; init; }

    /// <summary>
    /// Augment the training images (random resized crop and flip, the masks following, §8.5) and recompute the frozen
    /// features every epoch; off by default: the features of every pair are computed once and cached (the VG setting's
    /// validation transform), which makes an epoch the explainer's alone.
    /// </summary>
    public bool Augment { get; init; }

    /// <summary>The seed of the explainer's initialisation, the pair order, dropout and the seen/unseen draw (0).</summary>
    public ulong Seed { get; init; }

    /// <summary>Data-loading workers (0: the loader's default).</summary>
    public int Workers { get; init; }

    /// <summary>
    /// Data-parallel runs (<c>--sync-bn</c>): the explainer's batch-norm layers normalise with the statistics of every
    /// rank's pairs (nothing to synchronise with <see cref="FreezeExplainerBatchNorm"/>, whose layers stay in evaluation
    /// mode). One process: no effect. False in a config.json written before the option existed.
    /// </summary>
    public bool SyncBatchNorm { get; init; }

    /// <summary>
    /// The arithmetic of the forward passes and the loss (<see cref="TrainingPrecision"/>): float32 (default), bf16
    /// autocast with float32 master weights — the frozen classifier's features too, kept as float32 — or auto. The
    /// trainer records the precision that ran (fp32 or bf16) in config.json.
    /// </summary>
    [JsonConverter(typeof(PrecisionJsonConverter))]
    public Torch.Precision Precision { get; init; } = Torch.Precision.Fp32;

    /// <summary>Also write TensorBoard event files.</summary>
    public bool TensorBoard { get; init; }

    /// <summary>The run directory.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Checks the values; the message names the option and what is accepted.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"--epochs must be at least 1, got {Epochs}");
        if (BatchSize < 2) throw new ArgumentException($"--batch-size must be at least 2 (the explainer's batch norm needs two pairs), got {BatchSize}");
        if (!(LearningRate > 0)) throw new ArgumentException($"--lr must be positive, got {LearningRate}");
        if (!(Margin > 0)) throw new ArgumentException($"--margin must be positive, got {Margin}");
        if (!(SeenRate > 0 && SeenRate <= 1)) throw new ArgumentException($"--seen-rate must be in (0, 1], got {SeenRate}");
        if (TrainImages is < 1) throw new ArgumentException($"--train-images must be at least 1, got {TrainImages}");
        if (TestImages is < 1) throw new ArgumentException($"--test-images must be at least 1, got {TestImages}");
        if (Workers < 0) throw new ArgumentException($"--workers must not be negative, got {Workers}");
        if (WorldSize < 1) throw new ArgumentException($"the world size must be at least 1, got {WorldSize}");
    }
}
