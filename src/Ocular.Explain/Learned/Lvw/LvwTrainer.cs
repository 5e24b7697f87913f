using System.Text.Json;
using Ocular.Torch.Distributed;
using Ocular.Torch.Serialization;
using Ocular.Vision.Training;

namespace Ocular.Explain.Learned.Lvw;

/// <summary>
/// Trains a Learnable Visual Words network, or ProtoPNet as its comparison (reference <c>learnable-visual-words.md</c>
/// §4), in a run directory like classifier training (<see cref="RunDirectory"/>: <c>config.json</c>,
/// <c>metrics.jsonl</c>/<c>.csv</c>, <c>last.ocular</c> with the state to resume, <c>best.ocular</c>, and for every push
/// <c>push-EPOCH.ocular</c> and <c>push-EPOCH.json</c>, the words' sources): the library behind <c>ocular train lvw</c>.
/// </summary>
/// <remarks>
/// <para><b>Schedule.</b> Warm-up epochs (add-on layers and words, frozen backbone, no alignment), joint epochs (all
/// but the last layer; StepLR on their learning rates), a push after every <see cref="LvwTrainingOptions.PushEvery"/>-th
/// epoch from <see cref="LvwTrainingOptions.PushStart"/>, each followed by last-layer-only passes. Adam throughout, with
/// the original's learning rates and weight decays.</para>
/// <para><b>Alignment targets</b> (LVW): the base classifier's Grad-CAM maps, made by <see cref="AlignmentTargets"/>
/// once per data set and settings and cached.</para>
/// <para><b>Resuming.</b> <c>last.ocular</c> is written atomically after every step (epoch, push or last-layer
/// iteration) with the three optimizers, the scheduler and the generator, so a run killed at any moment resumes at
/// its last complete step; a push killed half-way is redone.</para>
/// <para><b>Selection.</b> best.ocular is the step with the best validation top-1 (a split carved from the training
/// set with a fixed seed; the test split with <see cref="LvwTrainingOptions.SelectOnTest"/>), among the push and
/// last-layer steps when the schedule pushes (only there is every word exactly a training patch).</para>
/// <para><b>Data-parallel</b> (docs/distributed.md): with a group of W ranks each rank trains on its share of every
/// pass with <see cref="LvwTrainingOptions.BatchSize"/> images per step, from rank 0's network, with the gradients of
/// each phase's parameters averaged and rank 0's batch-norm statistics broadcast before every forward; every rank
/// pushes over the whole training split and takes rank 0's words; the ranks evaluate together (each a share, the sums
/// reduced); rank 0 alone writes the run directory and the alignment targets' cache.</para>
/// </remarks>
public static class LvwTrainer
{
    /// <summary>The format tag of an LVW run's <c>config.json</c>.</summary>
    public const string ConfigFormat = "ocular.train-lvw/1";

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Where alignment targets are cached by default: <c>$XDG_CACHE_HOME/ocular/alignment-targets</c> or <c>~/.cache/ocular/alignment-targets</c>.</summary>
    public static string DefaultTargetsCache => CacheDirectory.For("alignment-targets");

    /// <summary>Starts a new run in <see cref="LvwTrainingOptions.OutputDirectory"/> and runs its schedule to the end.</summary>
    /// <param name="options">The run's options.</param>
    /// <param name="progress">Receives the progress (none when null).</param>
    /// <param name="cancellationToken">Stops between batches (the run can be resumed).</param>
    /// <param name="group">A data-parallel group (docs/distributed.md): every rank calls this with the same options; rank 0 alone writes the run directory.</param>
    /// <exception cref="ArgumentException">An option is invalid (the message names it and what is accepted).</exception>
    /// <exception cref="IOException">The directory already holds a run.</exception>
    /// <exception cref="TrainingInterruptedException">An error stopped the run after it had started; the message says how to resume.</exception>
    public static LvwTrainingResult Train(LvwTrainingOptions options, ITrainingProgress? progress = null, CancellationToken cancellationToken = default,
        ProcessGroup? group = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options = options with { WorldSize = group?.WorldSize ?? 1 };
        options.Validate();
        var run = new RunDirectory(options.OutputDirectory);
        var distributed = new DistributedRun(group);
        if (distributed.AnyRank(run.HoldsRun))
            throw new IOException($"{run.Path} already holds a training run; resume it with `ocular train lvw --resume {run.Path}` or choose another --out");
        return new LvwSession(options, run, resuming: false, progress ?? SilentTrainingProgress.Instance) { Distributed = distributed }.Run(cancellationToken);
    }

    /// <summary>
    /// Continues the run in <paramref name="runDirectory"/> after its last complete step with the options of its
    /// <c>config.json</c>; only the number of epochs may grow, and the worker count and the precision may change. A data-parallel run
    /// may resume with another number of ranks (<paramref name="group"/>) that divides its images per step
    /// (<see cref="ResumeChanges.Regroup"/>); every rank reads the run directory, rank 0 alone writes it.
    /// </summary>
    /// <param name="runDirectory">The run directory.</param>
    /// <param name="epochs">A larger number of epochs, to extend the run.</param>
    /// <param name="workers">Another number of data-loader workers.</param>
    /// <param name="progress">Receives the progress (none when null).</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <param name="group">A data-parallel group (docs/distributed.md).</param>
    /// <param name="precision">Another precision for the remaining epochs (null: the run's; <see cref="ResumeChanges.Reprecision"/>).</param>
    public static LvwTrainingResult Resume(string runDirectory, int? epochs = null, int? workers = null, ITrainingProgress? progress = null,
        CancellationToken cancellationToken = default, ProcessGroup? group = null, Torch.Precision? precision = null)
    {
        progress ??= SilentTrainingProgress.Instance;
        var run = new RunDirectory(runDirectory);
        var (options, threads) = run.ReadConfig<LvwTrainingOptions>(ConfigFormat);
        options = options with { OutputDirectory = run.Path };
        var (newEpochs, newWorkers, changed) = ResumeChanges.Apply(run, options.Epochs, null, options.Workers, epochs, workers);
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
        return new LvwSession(options, run, resuming: true, progress)
        {
            RewriteConfig = changed,
            OriginalThreads = threads,
            Distributed = new DistributedRun(group),
        }.Run(cancellationToken);
    }
}
