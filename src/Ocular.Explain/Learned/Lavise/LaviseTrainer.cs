using System.Text.Json;
using Ocular.Torch.Distributed;
using Ocular.Vision.Training;

namespace Ocular.Explain.Learned.Lavise;

/// <summary>
/// Trains LaViSE's explainer (lavise.md §2–3) for one layer of a frozen classifier on concept-annotated reference data and
/// keeps a run directory like the other trainers (<see cref="RunDirectory"/>: <c>config.json</c>, <c>concepts.json</c> —
/// the label columns and which were seen —, <c>metrics.jsonl</c>/<c>.csv</c>, <c>last.ocular</c> to resume,
/// <c>best.ocular</c> — the explainer with the lowest validation loss): the library behind <c>ocular train lavise</c>.
/// </summary>
/// <example>
/// <code>
/// var result = LaviseTrainer.Train(new LaviseTrainingOptions
/// {
///     Classifier = "runs/shapes/best.ocular", Data = "shapes", OutputDirectory = "runs/shapes-lavise",
/// });
/// var explanations = FilterExplainer.Explain(...);   // see ocular explain-filters
/// </code>
/// </example>
/// <remarks>
/// <para><b>What trains.</b> Only the explainer MLP; the classifier runs in evaluation mode without gradients and its
/// weights hash is checked before and after.</para>
/// <para><b>Feature cache.</b> Without <see cref="LaviseTrainingOptions.Augment"/> the masked, pooled features of every
/// concept mask are computed once (<see cref="ConceptPairs"/>), where the original recomputes the frozen network every epoch.</para>
/// <para><b>Resuming.</b> <c>last.ocular</c> is written before the first epoch and after each, atomically, with the
/// optimizer, scheduler and generator state; the pair order depends only on the seed and the epoch.</para>
/// <para><b>Data-parallel</b> (docs/distributed.md): with a group of W ranks each rank trains on its share of every
/// epoch's pairs (or images, with augmentation) with <see cref="LaviseTrainingOptions.BatchSize"/> per step, from rank
/// 0's explainer, with the gradients averaged as the single process's mean over the pairs that count; the ranks build
/// the training pairs together (each a share of the images, then gathered) and evaluate the validation pairs together
/// (each a share, the sums reduced, so that the plateau schedule sees one loss); rank 0 alone writes the run directory.</para>
/// </remarks>
public static class LaviseTrainer
{
    /// <summary>The format tag of a LaViSE run's <c>config.json</c>.</summary>
    public const string ConfigFormat = "ocular.train-lavise/1";

    /// <summary>The run's record of the label columns and the seen/unseen split.</summary>
    public const string ConceptsFile = "concepts.json";

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Starts a new run in <see cref="LaviseTrainingOptions.OutputDirectory"/> and trains it to the end.</summary>
    /// <param name="options">The run's options.</param>
    /// <param name="progress">Receives the progress (none when null).</param>
    /// <param name="cancellationToken">Stops between batches (the run can be resumed).</param>
    /// <param name="group">A data-parallel group (docs/distributed.md): every rank calls this with the same options; rank 0 alone writes the run directory.</param>
    /// <exception cref="ArgumentException">An option is invalid (the message names it).</exception>
    /// <exception cref="IOException">The directory already holds a run.</exception>
    /// <exception cref="TrainingInterruptedException">An error stopped the run after it had started; the message says how to resume.</exception>
    public static LaviseTrainingResult Train(LaviseTrainingOptions options, ITrainingProgress? progress = null, CancellationToken cancellationToken = default,
        ProcessGroup? group = null)
    {
        options = options with { WorldSize = group?.WorldSize ?? 1 };
        options.Validate();
        var run = new RunDirectory(options.OutputDirectory);
        var distributed = new DistributedRun(group);
        if (distributed.AnyRank(run.HoldsRun))
            throw new IOException($"{run.Path} already holds a training run; resume it with `ocular train lavise --resume {run.Path}` or choose another --out");
        return new LaviseSession(options, run, resuming: false, progress ?? SilentTrainingProgress.Instance) { Distributed = distributed }.Run(cancellationToken);
    }

    /// <summary>
    /// Continues the run in <paramref name="runDirectory"/> from its last complete epoch; only the number of epochs may grow, and the worker count and the precision change.
    /// The ranks of <paramref name="group"/> may be another number than the run's when they divide its pairs per step
    /// (<see cref="ResumeChanges.Regroup"/>); every rank reads the run directory, rank 0 alone writes it.
    /// </summary>
    /// <param name="runDirectory">The run directory.</param>
    /// <param name="epochs">A larger number of epochs, to extend the run.</param>
    /// <param name="workers">Another number of data-loader workers.</param>
    /// <param name="progress">Receives the progress (none when null).</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <param name="group">A data-parallel group (docs/distributed.md).</param>
    /// <param name="precision">Another precision for the remaining epochs (null: the run's; <see cref="ResumeChanges.Reprecision"/>).</param>
    public static LaviseTrainingResult Resume(string runDirectory, int? epochs = null, int? workers = null, ITrainingProgress? progress = null,
        CancellationToken cancellationToken = default, ProcessGroup? group = null, Torch.Precision? precision = null)
    {
        progress ??= SilentTrainingProgress.Instance;
        var run = new RunDirectory(runDirectory);
        var (options, threads) = run.ReadConfig<LaviseTrainingOptions>(ConfigFormat);
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
        return new LaviseSession(options, run, resuming: true, progress)
        {
            RewriteConfig = changed,
            OriginalThreads = threads,
            Distributed = new DistributedRun(group),
        }.Run(cancellationToken);
    }
}
