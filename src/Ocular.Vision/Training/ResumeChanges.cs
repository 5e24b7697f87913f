namespace Ocular.Vision.Training;

/// <summary>
/// What a resumed run may change, checked once for every trainer (classifier, L-CAM): the number of epochs may only grow,
/// and not under a schedule shaped by the run's length (cosine, one-cycle); the number of data-loader workers may change
/// (the batches do not depend on it). The run must have a <c>last.ocular</c> to resume from.
/// </summary>
public static class ResumeChanges
{
    /// <summary>The epochs and workers of the resumed run, and whether they differ from the run's config.json.</summary>
    /// <param name="run">The run directory.</param>
    /// <param name="runEpochs">The run's epochs.</param>
    /// <param name="schedule">The run's learning-rate schedule (null for the trainer's default, which does not depend on the length).</param>
    /// <param name="runWorkers">The run's workers.</param>
    /// <param name="epochs">The epochs asked for (null: unchanged).</param>
    /// <param name="workers">The workers asked for (null: unchanged).</param>
    /// <param name="restartHint">How to start over when the run cannot be extended (appended to the error).</param>
    /// <exception cref="ArgumentException">Fewer epochs, or more under a length-shaped schedule.</exception>
    /// <exception cref="FileNotFoundException">The run has no last.ocular.</exception>
    public static (int Epochs, int Workers, bool Changed) Apply(RunDirectory run, int runEpochs, string? schedule, int runWorkers,
        int? epochs, int? workers, string restartHint = "start a new run")
    {
        ArgumentNullException.ThrowIfNull(run);
        var changed = false;
        if (epochs is { } e && e != runEpochs)
        {
            if (e < runEpochs) throw new ArgumentException($"--epochs can only grow when resuming (the run has {runEpochs})");
            if (schedule is not null && LrSchedule.Parse(schedule).DependsOnLength)
                throw new ArgumentException($"the {schedule} schedule is shaped by the run's {runEpochs} epochs, so the run cannot be extended; {restartHint}");
            runEpochs = e;
            changed = true;
        }
        if (workers is { } w && w != runWorkers)
        {
            runWorkers = w;
            changed = true;
        }
        if (!File.Exists(run.LastCheckpoint))
            throw new FileNotFoundException($"{run.Path} has no last.ocular to resume from", run.LastCheckpoint);
        return (runEpochs, runWorkers, changed);
    }
}
