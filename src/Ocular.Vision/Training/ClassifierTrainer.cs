namespace Ocular.Vision.Training;

/// <summary>
/// Trains a zoo classifier on a data set and keeps a run directory (<see cref="RunDirectory"/>): the library behind
/// <c>ocular train classifier</c>.
/// </summary>
/// <example>
/// <code>
/// var result = ClassifierTrainer.Train(new TrainingOptions
/// {
///     Data = "shapes", Architecture = "compact_cnn", Epochs = 8, BatchSize = 64,
///     LearningRate = 0.05, Schedule = "onecycle", Seed = 0, OutputDirectory = "runs/shapes",
/// });
/// using var trained = ClassifierCheckpoint.Load(result.BestCheckpoint);
/// </code>
/// </example>
/// <remarks>
/// <para><b>Determinism.</b> One seed drives everything: <c>Engine.ManualSeed(seed)</c> before the model is built (weight
/// initialisation, a replaced head), the data loader's seed (order per epoch, per-sample augmentation) and the global
/// generator (dropout), whose state is saved with every checkpoint. The same options, seed and thread count give the same
/// weights, bit for bit, whether the run was interrupted and resumed or not.</para>
/// <para><b>Checkpoints.</b> <c>last.ocular</c> is written before the first epoch (epoch 0) and after every epoch, with the
/// optimizer, scheduler and generator state; <c>best.ocular</c> when the test top-1 improves. The metrics row of an epoch is
/// written before its checkpoints, and a resumed run drops rows after the checkpoint's epoch, so a run killed at any moment
/// resumes from its last complete epoch.</para>
/// </remarks>
public static class ClassifierTrainer
{
    /// <summary>Starts a new run in <see cref="TrainingOptions.OutputDirectory"/> and trains it to the end.</summary>
    /// <param name="options">The run's options.</param>
    /// <param name="progress">Receives the progress (none when null).</param>
    /// <param name="cancellationToken">Stops between batches (with <see cref="OperationCanceledException"/>; the run can be resumed).</param>
    /// <exception cref="ArgumentException">An option is invalid (the message names it and what is accepted).</exception>
    /// <exception cref="IOException">The directory already holds a run.</exception>
    /// <exception cref="TrainingInterruptedException">An error stopped the run after it had started; the message says how to resume.</exception>
    /// <param name="group">A data-parallel group (docs/distributed.md): every rank calls this with the same options; rank 0 alone writes the run directory.</param>
    public static TrainingResult Train(TrainingOptions options, ITrainingProgress? progress = null, CancellationToken cancellationToken = default,
        Torch.Distributed.ProcessGroup? group = null)
    {
        options = options with { WorldSize = group?.WorldSize ?? 1 };
        options.Validate();
        var run = new RunDirectory(options.OutputDirectory);
        var distributed = new DistributedRun(group);
        // Every rank checks before any writes (the reduction waits for all), and every rank gets the same answer.
        if (distributed.AnyRank(run.HoldsRun))
            throw new IOException($"{run.Path} already holds a training run; resume it with `ocular train classifier --resume {run.Path}` or choose another --out");
        return new TrainingSession(options, run, resuming: false, progress ?? SilentTrainingProgress.Instance) { Distributed = distributed }.Run(cancellationToken);
    }

    /// <summary>
    /// Continues the run in <paramref name="runDirectory"/> from its last complete epoch with the options in its
    /// <c>config.json</c>. Only the number of epochs may grow (not with the cosine and one-cycle schedules, whose shape
    /// depends on it), the worker count may change (the batches do not depend on it) and the precision may change (the
    /// weights are float32 in either). Run it with the thread count and precision of the original run to reach the same
    /// weights bit for bit.
    /// </summary>
    /// <param name="runDirectory">The run directory.</param>
    /// <param name="epochs">A larger number of epochs, to extend the run.</param>
    /// <param name="workers">Another number of data-loader workers.</param>
    /// <param name="progress">Receives the progress (none when null).</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <param name="group">A data-parallel group; every rank reads the run directory (a shared file system), rank 0 alone writes it.</param>
    /// <param name="precision">Another precision for the remaining epochs (null: the run's, from its config.json).</param>
    public static TrainingResult Resume(string runDirectory, int? epochs = null, int? workers = null, ITrainingProgress? progress = null,
        CancellationToken cancellationToken = default, Torch.Distributed.ProcessGroup? group = null, Torch.Precision? precision = null)
    {
        progress ??= SilentTrainingProgress.Instance;
        var run = new RunDirectory(runDirectory);
        var (options, threads) = run.ReadConfig();
        options = options with { OutputDirectory = run.Path };
        // A run started before model selection on a validation split selected on the test split: it goes on doing so.
        if (!run.ConfigHas("select_on_test")) options = options with { SelectOnTest = true };
        var (newEpochs, newWorkers, changed) = ResumeChanges.Apply(run, options.Epochs, options.Schedule, options.Workers, epochs, workers, $"start a new run (e.g. --weights {run.LastCheckpoint})");
        options = options with { Epochs = newEpochs, Workers = newWorkers };
        var worldSize = group?.WorldSize ?? 1;
        var (batchSize, regrouped) = ResumeChanges.Regroup(run, options.WorldSize, options.BatchSize, worldSize);
        if (regrouped is not null)
        {
            progress.Message(regrouped);
            (options, changed) = (options with { WorldSize = worldSize, BatchSize = batchSize }, true);
        }
        var (newPrecision, reprecisioned) = ResumeChanges.Reprecision(run, options.Precision, precision);
        options = options with { Precision = newPrecision };
        if (reprecisioned is not null)
        {
            progress.Message(reprecisioned);
            changed = true;
        }
        options.Validate();
        var session = new TrainingSession(options, run, resuming: true, progress)
        {
            RewriteConfig = changed,
            OriginalThreads = threads,
            Distributed = new DistributedRun(group),
        };
        return session.Run(cancellationToken);
    }
}
