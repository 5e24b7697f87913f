namespace Ocular.Explain.Learned.Lvw;

/// <summary>The outcome of <see cref="LvwTrainer.Train"/> or <see cref="LvwTrainer.Resume"/>.</summary>
/// <param name="RunDirectory">The run directory.</param>
/// <param name="Steps">The steps this call ran, in order.</param>
/// <param name="StepsDone">The steps completed by the run (all of them when it ended normally).</param>
/// <param name="BestTop1">The selection top-1 of best.ocular (validation, or test with <see cref="LvwTrainingOptions.SelectOnTest"/>), in percent.</param>
/// <param name="BestTestTop1">The test top-1 of best.ocular, in percent.</param>
/// <param name="BestStep">The step best.ocular comes from (<c>200_19push</c>), or null.</param>
/// <param name="LastCheckpoint">last.ocular.</param>
/// <param name="BestCheckpoint">best.ocular.</param>
/// <param name="DistinctPatches">After the last push, how many distinct training patches the words landed on (null before any push).</param>
public sealed record LvwTrainingResult(string RunDirectory, IReadOnlyList<LvwStepResult> Steps, int StepsDone, double BestTop1, double BestTestTop1, string? BestStep,
    string LastCheckpoint, string BestCheckpoint, int? DistinctPatches);
