using Ocular.Torch;

namespace Ocular.Vision.Training;

/// <summary>
/// What a resumed run may change, checked once for every trainer (classifier, L-CAM, LVW, LaViSE): the number of epochs
/// may only grow, and not under a schedule shaped by the run's length (cosine, one-cycle); the number of data-loader
/// workers may change (the batches do not depend on it); the number of ranks may change when it divides the images of a
/// step (<see cref="Regroup"/>); the precision may change (<see cref="Reprecision"/>). The run must have a
/// <c>last.ocular</c> to resume from.
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

    /// <summary>
    /// The per-rank batch size of a run trained by <paramref name="runWorldSize"/> ranks × <paramref name="runBatchSize"/>
    /// and resumed by <paramref name="worldSize"/> ranks: the same W·B samples per step, shared by the new ranks, and a
    /// line for the progress when it changed (null when the number of ranks is the run's). Checkpoints fall between
    /// passes and a pass's global order does not depend on the ranks (DataShard strides over it), so ranks × batch kept
    /// equal sends the same samples through each step — and gives the same steps per pass, ⌈⌈N/W⌉/B⌉ = ⌈N/(W·B)⌉ — apart
    /// from DistributedSampler's padding.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="worldSize"/> does not divide the samples of a step.</exception>
    public static (int BatchSize, string? Message) Regroup(RunDirectory run, int runWorldSize, int runBatchSize, int worldSize)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (runWorldSize == worldSize) return (runBatchSize, null);
        var perStep = runWorldSize * runBatchSize;
        if (perStep % worldSize != 0)
            throw new ArgumentException($"{run.Path} was trained by {runWorldSize} rank(s) × batch {runBatchSize} = {perStep} images per step, " +
                $"which {worldSize} ranks cannot share equally: resume it with a number of ranks that divides {perStep}");
        var batch = perStep / worldSize;
        return (batch, $"the run was trained by {runWorldSize} × batch {runBatchSize} and continues with {worldSize} × batch {batch}: the same {perStep} images per step");
    }

    /// <summary>
    /// The precision a resumed run continues in: the run's (its config.json's, <paramref name="runPrecision"/>) when
    /// <paramref name="precision"/> is not given, else the one given, and a line for the progress when what runs changes
    /// (null when it does not). Parameters and optimiser state are float32 in either precision (master weights), so the
    /// checkpoint carries over as it is; only the arithmetic of the later epochs differs.
    /// </summary>
    /// <returns>The precision to give the run (may be <see cref="Precision.Auto"/>, resolved by the trainer) and the line.</returns>
    public static (Precision Precision, string? Message) Reprecision(RunDirectory run, Precision runPrecision, Precision? precision)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (precision is not { } asked) return (runPrecision, null);
        var (before, after) = (ResolvedPrecision.Resolve(runPrecision).Name, ResolvedPrecision.Resolve(asked).Name);
        return (asked, before == after ? null
            : $"{run.Path} was trained in {before} and continues in {after}: the float32 weights and optimiser state carry over, the later epochs' arithmetic differs");
    }
}
