namespace Ocular.Vision.Training;

/// <summary>The outcome of <see cref="ClassifierTrainer.Train"/> or <see cref="ClassifierTrainer.Resume"/>.</summary>
/// <param name="RunDirectory">The run directory.</param>
/// <param name="Epochs">The epochs trained by this call (empty when a resumed run was already complete).</param>
/// <param name="CompletedEpochs">Epochs complete in the run.</param>
/// <param name="BestTop1">The best selection top-1 of the run (validation, or test with <see cref="TrainingOptions.SelectOnTest"/>), in percent.</param>
/// <param name="BestEpoch">The epoch that reached it (the epoch of <c>best.ocular</c>).</param>
/// <param name="LastCheckpoint">The checkpoint after the last epoch (<c>last.ocular</c>, with the state to resume).</param>
/// <param name="BestCheckpoint">The checkpoint of the best epoch (<c>best.ocular</c>).</param>
public sealed record TrainingResult(string RunDirectory, IReadOnlyList<EpochMetrics> Epochs, int CompletedEpochs, double BestTop1, int BestEpoch,
    string LastCheckpoint, string BestCheckpoint)
{
    /// <summary>The test top-1 of the best epoch, in percent: the accuracy to report for <c>best.ocular</c>.</summary>
    public double BestTestTop1 { get; init; } = BestTop1;

    /// <summary>Where the best epoch was selected: <c>validation</c> or <c>test</c>.</summary>
    public string SelectedOn { get; init; } = "test";
}
