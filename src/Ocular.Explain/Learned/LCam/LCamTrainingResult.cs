using Ocular.Vision.Training;

namespace Ocular.Explain.Learned.LCam;

/// <summary>The outcome of <see cref="LCamTrainer.Train"/> or <see cref="LCamTrainer.Resume"/>.</summary>
/// <param name="RunDirectory">The run directory.</param>
/// <param name="Epochs">The epochs trained by this call. Accuracy columns are those of the masked inputs against the targets.</param>
/// <param name="CompletedEpochs">Epochs complete in the run.</param>
/// <param name="BestLoss">The lowest test loss of the run (the criterion of <c>best.ocular</c>).</param>
/// <param name="BestEpoch">The epoch that reached it.</param>
/// <param name="LastCheckpoint"><c>last.ocular</c>, with the state to resume.</param>
/// <param name="BestCheckpoint"><c>best.ocular</c>, the explainer checkpoint to use.</param>
/// <param name="CacheSeconds">Seconds spent building the feature cache in this call (0 without a cache).</param>
public sealed record LCamTrainingResult(string RunDirectory, IReadOnlyList<EpochMetrics> Epochs, int CompletedEpochs, double BestLoss, int BestEpoch,
    string LastCheckpoint, string BestCheckpoint, double CacheSeconds);
