namespace Ocular.Vision.Training;

/// <summary>
/// Receives a training run's progress, on the training thread (so keep it quick): the CLI renders it as progress
/// bars on a terminal or one line per epoch otherwise. Every member has an empty default; implement what you need.
/// </summary>
public interface ITrainingProgress
{
    /// <summary>The run is set up (model built, data opened, state restored) and is about to train.</summary>
    void RunStarted(TrainingRunInfo run) { }

    /// <summary>A remark worth showing (a replaced head, a resumed epoch, a changed thread count).</summary>
    void Message(string text) { }

    /// <summary>An epoch (1-based) begins with <paramref name="batches"/> training batches.</summary>
    void EpochStarted(int epoch, int batches) { }

    /// <summary>A training batch is done.</summary>
    void BatchCompleted(TrainingBatchProgress batch) { }

    /// <summary>The test split is being evaluated, in <paramref name="batches"/> batches.</summary>
    void EvaluationStarted(int epoch, int batches) { }

    /// <summary>An evaluation batch (1-based <paramref name="batch"/>) is done.</summary>
    void EvaluationBatchCompleted(int epoch, int batch, int batches) { }

    /// <summary>An epoch is done and its checkpoints and metrics are written.</summary>
    void EpochCompleted(EpochMetrics metrics) { }
}

/// <summary>A progress receiver that ignores everything.</summary>
public sealed class SilentTrainingProgress : ITrainingProgress
{
    /// <summary>The shared instance.</summary>
    public static SilentTrainingProgress Instance { get; } = new();
}

/// <summary>The progress of an epoch after a batch.</summary>
/// <param name="Epoch">The epoch (1-based).</param>
/// <param name="Batch">Batches done in this epoch (1-based).</param>
/// <param name="Batches">Batches in the epoch.</param>
/// <param name="Images">Images trained on in this epoch so far.</param>
/// <param name="Loss">The mean training loss so far this epoch.</param>
/// <param name="Accuracy">The training accuracy so far this epoch, in percent.</param>
/// <param name="ImagesPerSecond">Training throughput so far this epoch.</param>
public sealed record TrainingBatchProgress(int Epoch, int Batch, int Batches, int Images, double Loss, double Accuracy, double ImagesPerSecond);

/// <summary>What a run is about to do.</summary>
/// <param name="RunDirectory">The run directory.</param>
/// <param name="Options">The options in effect.</param>
/// <param name="Recipe">The data recipe (input size, normalisation, augmentation).</param>
/// <param name="Architecture">The architecture.</param>
/// <param name="Parameters">Parameters of the model.</param>
/// <param name="TrainableParameters">Parameters being trained (fewer with a frozen backbone).</param>
/// <param name="ClassNames">The classes.</param>
/// <param name="TrainImages">Images in the training split.</param>
/// <param name="TestImages">Images in the test split.</param>
/// <param name="BatchesPerEpoch">Training batches per epoch.</param>
/// <param name="StartEpoch">Epochs already complete (non-zero when resuming).</param>
/// <param name="Threads">libtorch's intra-op threads.</param>
public sealed record TrainingRunInfo(string RunDirectory, TrainingOptions Options, DataRecipe Recipe, string Architecture, long Parameters,
    long TrainableParameters, IReadOnlyList<string> ClassNames, int TrainImages, int TestImages, int BatchesPerEpoch, int StartEpoch, int Threads)
{
    /// <summary>The images of the validation split the best epoch is selected on (0 when the run selects on the test split).</summary>
    public int ValidationImages { get; init; }

    /// <summary>The optimisation in words, for trainers whose optimisers <see cref="Options"/> cannot describe (several optimisers, phases); null: from the options.</summary>
    public string? Optimization { get; init; }
}
