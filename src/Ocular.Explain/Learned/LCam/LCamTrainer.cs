using System.Text.Json;
using Ocular.Torch.Distributed;
using Ocular.Vision.Training;

namespace Ocular.Explain.Learned.LCam;

/// <summary>
/// Trains an L-CAM (Fm, Img or TAME) attention mechanism for a frozen classifier checkpoint and keeps a run directory
/// like classifier training (<see cref="RunDirectory"/>: <c>config.json</c>, <c>metrics.jsonl</c>/<c>.csv</c>,
/// <c>last.ocular</c> with the state to resume, <c>best.ocular</c> — the explainer checkpoint, lowest test loss — and
/// optionally TensorBoard): the library behind <c>ocular train l-cam</c>.
/// </summary>
/// <example>
/// <code>
/// var result = LCamTrainer.Train(new LCamTrainingOptions
/// {
///     Classifier = "runs/shapes/best.ocular", Variant = "fm", Data = "shapes", Epochs = 4, LearningRate = 0.01,
///     OutputDirectory = "runs/shapes-lcam-fm",
/// });
/// using var explainer = ExplainerRegistry.Create("l-cam", model, new ExplainerOptions { Checkpoint = result.BestCheckpoint });
/// </code>
/// </example>
/// <remarks>
/// <para><b>What trains.</b> Only the attention mechanism; the classifier's parameters have <c>requires_grad</c> off and it
/// runs in evaluation mode (batch norm statistics fixed, dropout off). Its weights hash is checked before and after.</para>
/// <para><b>Determinism and resuming.</b> One seed drives the attention's initialisation, the data order and the views;
/// <c>last.ocular</c> is written before the first epoch and after each, atomically, with the optimizer, scheduler and
/// generator state, so a run killed at any moment (even <c>kill -9</c>) resumes from its last complete epoch and, with
/// the same thread count, reaches the same weights bit for bit.</para>
/// <para><b>Feature cache.</b> For L-CAM-Fm the frozen features of every view are computed once (see <see cref="FeatureCache"/>);
/// the epochs then read them. The cached and uncached runs see the same images, views and order.</para>
/// <para><b>Data-parallel</b> (docs/distributed.md): with a group of W ranks each rank trains on its share of every
/// epoch with <see cref="LCamTrainingOptions.BatchSize"/> images per step (W·B in all), from rank 0's attention, with the
/// gradients averaged; the ranks build the feature cache together (each a share of the batches, then gathered) and
/// evaluate the test split together (each a share, the sums reduced); rank 0 alone writes the run directory.</para>
/// </remarks>
public static class LCamTrainer
{
    /// <summary>The format tag of an L-CAM run's <c>config.json</c>.</summary>
    public const string ConfigFormat = "ocular.train-lcam/1";

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Starts a new run in <see cref="LCamTrainingOptions.OutputDirectory"/> and trains it to the end.</summary>
    /// <param name="options">The run's options.</param>
    /// <param name="progress">Receives the progress (none when null). Accuracies are those of the masked inputs against the targets.</param>
    /// <param name="cancellationToken">Stops between batches (with <see cref="OperationCanceledException"/>; the run can be resumed).</param>
    /// <param name="group">A data-parallel group (docs/distributed.md): every rank calls this with the same options; rank 0 alone writes the run directory.</param>
    /// <exception cref="ArgumentException">An option is invalid (the message names it and what is accepted).</exception>
    /// <exception cref="IOException">The directory already holds a run.</exception>
    /// <exception cref="TrainingInterruptedException">An error stopped the run after it had started; the message says how to resume.</exception>
    public static LCamTrainingResult Train(LCamTrainingOptions options, ITrainingProgress? progress = null, CancellationToken cancellationToken = default,
        ProcessGroup? group = null)
    {
        options = options with { WorldSize = group?.WorldSize ?? 1 };
        options.Validate();
        var run = new RunDirectory(options.OutputDirectory);
        var distributed = new DistributedRun(group);
        if (distributed.AnyRank(run.HoldsRun))
            throw new IOException($"{run.Path} already holds a training run; resume it with `ocular train l-cam --resume {run.Path}` or choose another --out");
        return new LCamSession(options, run, resuming: false, progress ?? SilentTrainingProgress.Instance) { Distributed = distributed }.Run(cancellationToken);
    }

    /// <summary>
    /// Continues the run in <paramref name="runDirectory"/> from its last complete epoch with the options of its
    /// <c>config.json</c>; only the number of epochs may grow (not with the cosine and one-cycle schedules), the
    /// worker count may change and the precision may change (<see cref="ResumeChanges.Reprecision"/>). The ranks of <paramref name="group"/> may be another number than the
    /// run's when they divide its images per step (<see cref="ResumeChanges.Regroup"/>); every rank reads the run
    /// directory (on a file system they share), rank 0 alone writes it.
    /// </summary>
    /// <param name="runDirectory">The run directory.</param>
    /// <param name="epochs">A larger number of epochs, to extend the run.</param>
    /// <param name="workers">Another number of data-loader workers.</param>
    /// <param name="progress">Receives the progress (none when null).</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <param name="group">A data-parallel group (docs/distributed.md).</param>
    /// <param name="precision">Another precision for the remaining epochs (null: the run's; <see cref="ResumeChanges.Reprecision"/>).</param>
    public static LCamTrainingResult Resume(string runDirectory, int? epochs = null, int? workers = null, ITrainingProgress? progress = null,
        CancellationToken cancellationToken = default, ProcessGroup? group = null, Torch.Precision? precision = null)
    {
        progress ??= SilentTrainingProgress.Instance;
        var run = new RunDirectory(runDirectory);
        var (options, threads) = run.ReadConfig<LCamTrainingOptions>(ConfigFormat);
        options = options with { OutputDirectory = run.Path };
        var (newEpochs, newWorkers, changed) = ResumeChanges.Apply(run, options.Epochs, options.Schedule, options.Workers, epochs, workers);
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
        return new LCamSession(options, run, resuming: true, progress)
        {
            RewriteConfig = changed,
            OriginalThreads = threads,
            Distributed = new DistributedRun(group),
        }.Run(cancellationToken);
    }
}
