using Ocular.Vision.Training;

namespace Ocular.Explain.Learned.Lavise;

/// <summary>The outcome of a LaViSE training run.</summary>
/// <param name="RunDirectory">The run directory.</param>
/// <param name="Epochs">The epochs trained in this call.</param>
/// <param name="CompletedEpochs">Epochs complete in the run.</param>
/// <param name="BestLoss">The lowest validation loss.</param>
/// <param name="BestEpoch">Its epoch.</param>
/// <param name="LastCheckpoint"><c>last.ocular</c>.</param>
/// <param name="BestCheckpoint"><c>best.ocular</c>, the explainer to use.</param>
/// <param name="Vocabulary">The label columns and their seen/unseen split.</param>
public sealed record LaviseTrainingResult(string RunDirectory, IReadOnlyList<EpochMetrics> Epochs, int CompletedEpochs, double BestLoss, int BestEpoch,
    string LastCheckpoint, string BestCheckpoint, ConceptVocabulary Vocabulary);
