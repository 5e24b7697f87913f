using System.CommandLine;
using Ocular.Torch.Distributed;

namespace Ocular.Cli.Commands;

/// <summary>
/// The options every <c>ocular train …</c> command shares — epochs, seed, workers, TensorBoard, the run directory,
/// resume, quiet, the ranks of a data-parallel run and their batch-norm synchronisation, the precision — and the rule that
/// a resumed run keeps its config.json (only --epochs, --workers, --quiet, --nproc-per-node and --precision may be given
/// with --resume).
/// </summary>
internal sealed class TrainingRunOptions(int defaultEpochs, string seedDescription)
{
    public Option<int?> Epochs { get; } = new("--epochs") { Description = $"epochs (default {defaultEpochs}; with --resume: a larger number extends the run)" };
    public Option<ulong?> Seed { get; } = new("--seed") { Description = seedDescription + " (default 0)" };
    public Option<int?> Workers { get; } = new("--workers") { Description = "data-loader worker threads (default 2; does not change the results)" };
    public Option<bool> TensorBoard { get; } = new("--tensorboard") { Description = "also write TensorBoard event files into RUN_DIR/tensorboard" };
    public Option<string?> Out { get; } = new("--out") { Description = "the run directory" };
    public Option<string?> Resume { get; } = new("--resume") { Description = "continue the run in RUN_DIR from its last complete epoch (with --epochs to extend it)" };
    public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "print nothing but errors" };
    public Option<int?> NprocPerNode { get; } = DistributedLaunch.NprocPerNodeOption("train data-parallel");
    public Option<bool> SyncBn { get; } = new("--sync-bn")
    {
        Description = "data-parallel runs: the batch-norm layers that train normalise with the statistics of every rank's batch, so that N ranks × batch B " +
                      "train as one process with batch N·B (recorded in config.json; docs/distributed.md)",
    };

    // Training defaults to float32: a run's numbers must reproduce across machines unless the user asks (docs/precision.md).
    private readonly PrecisionOption _precision = new(Torch.Precision.Fp32);

    /// <summary><c>--precision fp32|bf16|auto</c> (default fp32; with --resume: the run's, which it may change).</summary>
    public Option<string?> Precision => _precision.Option;

    /// <summary>The shared options, after the command's own.</summary>
    public Option[] All => [Epochs, Seed, Workers, TensorBoard, Out, Resume, Quiet, NprocPerNode, SyncBn, Precision];

    /// <summary>The precision asked for a new run (default fp32), unresolved: the trainer resolves it and reports its notice once.</summary>
    /// <exception cref="ArgumentException">--precision is not fp32, bf16 or auto.</exception>
    public Torch.Precision PrecisionOf(ParseResult parse) => _precision.RequestedOrDefault(parse);

    /// <summary>The precision asked for a resumed run, or null to keep the run's.</summary>
    /// <exception cref="ArgumentException">--precision is not fp32, bf16 or auto.</exception>
    public Torch.Precision? ResumePrecision(ParseResult parse) => _precision.Requested(parse);

    /// <summary>Whether to print nothing: with --quiet, and on every rank but 0 of a data-parallel run (rank 0 reports).</summary>
    public bool IsQuiet(ParseResult parse, ProcessGroup? group) => parse.GetValue(Quiet) || group is { Rank: > 0 };

    /// <summary>The epochs given, or the command's default.</summary>
    public int EpochsOr(ParseResult parse) => parse.GetValue(Epochs) ?? defaultEpochs;

    /// <summary>The run directory (required unless resuming).</summary>
    public string OutputDirectory(ParseResult parse) =>
        parse.GetValue(Out) ?? throw new ArgumentException("--out RUN_DIR is required (or --resume RUN_DIR)");

    /// <summary>The run to resume (null for a new run); refuses options a resumed run cannot change.</summary>
    /// <exception cref="ArgumentException">An option other than --epochs, --workers, --quiet, --nproc-per-node or --precision was given with --resume.</exception>
    public string? ReadResume(ParseResult parse, IEnumerable<Option> commandOptions)
    {
        var resume = parse.GetValue(Resume);
        if (resume is null) return null;
        Option[] allowed = [Epochs, Workers, Quiet, Resume, NprocPerNode, Precision];
        var given = commandOptions.Concat(All).Except(allowed).Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
        if (given.Count > 0)
            throw new ArgumentException($"{string.Join(", ", given)} cannot be given with --resume: a resumed run keeps the options of its config.json " +
                                        "(only --epochs to extend it, --workers, --quiet, --nproc-per-node and --precision may be given)");
        return resume;
    }
}
