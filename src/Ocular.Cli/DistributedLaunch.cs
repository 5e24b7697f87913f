using System.CommandLine;
using Ocular.Torch.Distributed;

namespace Ocular.Cli;

/// <summary>
/// How a command becomes distributed (docs/distributed.md): started by a launcher (torchrun, Slurm, Kubernetes,
/// <c>--nproc-per-node</c>) it finds RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT in its environment and joins that
/// group; given <c>--nproc-per-node N</c> without them it starts the N ranks itself (<see cref="LocalWorkers"/>).
/// Every distributed command uses this, so they all launch and join the same way.
/// </summary>
internal static class DistributedLaunch
{
    /// <summary>A command's <c>--nproc-per-node</c> option; <paramref name="work"/> says what the ranks share (e.g. "train data-parallel").</summary>
    public static Option<int?> NprocPerNodeOption(string work) => new(LocalWorkers.Option)
    {
        Description = $"{work} with N ranks on this machine (as torchrun --nproc-per-node; the threads are split between them; docs/distributed.md)",
    };

    /// <summary>True when a launcher started this process as one of several ranks (WORLD_SIZE set and above 1).</summary>
    public static bool IsRank => Environment.GetEnvironmentVariable("WORLD_SIZE") is { Length: > 0 } world && world != "1";

    /// <summary>
    /// Starts the ranks when <paramref name="option"/> asks for more than one and no launcher did; returns their exit code,
    /// or null when this process should do the work itself (one process, or one rank of a launched group).
    /// </summary>
    public static int? LaunchIfAsked(ParseResult parse, Option<int?> option) =>
        parse.GetValue(option) is { } ranks && ranks > 1 && !IsRank ? LocalWorkers.Run(ranks, parse.GetValue(GlobalOptions.Threads)) : null;

    /// <summary>
    /// Whether <paramref name="command"/> may run as one of several ranks: those that share their work across ranks
    /// (with <c>--nproc-per-node</c>, and <c>ocular distributed …</c>) and those that write nothing (<c>version</c>,
    /// <c>models</c>: checking every node of a job is legitimate). Any other command started as a rank would have every
    /// rank do the whole work and write the same files, so it is refused (<see cref="CommandRunner"/>).
    /// </summary>
    public static bool MayRunAsRank(Command command) =>
        command.Options.Any(o => o.Name == LocalWorkers.Option) || command.Name is "version" or "models"
        || command.Parents.OfType<Command>().Any(p => p.Name == "distributed");

    /// <summary>The group this process was launched into, or null for a single process.</summary>
    public static ProcessGroup? JoinGroup() => IsRank ? ProcessGroup.InitFromEnvironment() : null;
}
