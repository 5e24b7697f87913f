using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Ocular.Torch;
using Ocular.Torch.Distributed;
using Spectre.Console;

namespace Ocular.Cli.Commands;

/// <summary>
/// <c>ocular distributed check</c>: joins the process group the environment describes (<c>RANK</c>, <c>WORLD_SIZE</c>,
/// <c>MASTER_ADDR</c>, <c>MASTER_PORT</c>, as torchrun sets them), checks an all-reduce, a broadcast and an all-gather
/// against their known results, and measures the all-reduce's bus bandwidth for a few sizes — the first thing to run on
/// a new cluster, and a rank that can join a PyTorch <c>torch.distributed</c> group (the same c10d protocol).
/// </summary>
internal static class DistributedCommand
{
    public static Command Create()
    {
        var timeout = new Option<double>("--timeout") { Description = "seconds to wait for the other ranks and for each collective", DefaultValueFactory = _ => 300 };
        var sizes = new Option<string>("--sizes") { Description = "all-reduce sizes to time, in MB, comma-separated (none: skip)", DefaultValueFactory = _ => "1,16,64" };
        var repeat = new Option<int>("--repeat") { Description = "timed all-reduces per size", DefaultValueFactory = _ => 5 };
        var check = new Command("check", "Join the group from RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT, check the collectives and time all-reduce");
        check.Options.Add(timeout);
        check.Options.Add(sizes);
        check.Options.Add(repeat);
        check.SetAction(parse =>
        {
            Check(TimeSpan.FromSeconds(parse.GetValue(timeout)), parse.GetValue(sizes)!, parse.GetValue(repeat));
            return 0;
        });
        var command = new Command("distributed", "Multi-process runs through torch.distributed's c10d (docs/distributed.md)");
        command.Subcommands.Add(check);
        return command;
    }

    private static void Check(TimeSpan timeout, string sizesText, int repeat)
    {
        if (repeat < 1) throw new ArgumentException($"--repeat must be positive, got {repeat}");
        var sizes = sizesText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var mb) && mb > 0 ? mb : throw new ArgumentException($"--sizes: '{s}' is not a positive number of MB"))
            .ToList();
        var clock = Stopwatch.StartNew();
        using var group = ProcessGroup.InitFromEnvironment(timeout);
        var joined = clock.Elapsed.TotalSeconds;
        var n = group.WorldSize;

        // Σ_r (r + 1) = n(n + 1)/2 in every element; rank n − 1's values broadcast; every rank's rank gathered.
        using var x = Tensor.Full([4], group.Rank + 1.0);
        group.AllReduce(x);
        var sumOk = x.ToArray<float>().All(v => v == n * (n + 1) / 2f);
        using var b = Tensor.Full([3], (double)group.Rank);
        group.Broadcast(b, root: n - 1);
        var broadcastOk = b.ToArray<float>().All(v => v == n - 1);
        using var mine = Tensor.FromArray(new long[] { group.Rank });
        var gathered = group.AllGather(mine);
        var gatherOk = gathered.Select(t => t.Item<long>()).SequenceEqual(Enumerable.Range(0, n).Select(i => (long)i));
        foreach (var t in gathered) t.Dispose();
        group.Barrier();

        var table = new Table().Border(TableBorder.Rounded).AddColumn("check").AddColumn("result");
        table.AddRow("group", $"rank {group.Rank} of {n} at {Markup.Escape(group.Address)}, joined in {joined:F2} s");
        table.AddRow("all_reduce (sum)", sumOk ? "[green]ok[/]" : "[red]wrong[/]");
        table.AddRow("broadcast", broadcastOk ? "[green]ok[/]" : "[red]wrong[/]");
        table.AddRow("all_gather", gatherOk ? "[green]ok[/]" : "[red]wrong[/]");
        foreach (var mb in sizes)
        {
            // Bus bandwidth as nccl-tests reports it: bytes × 2(n − 1)/n per all-reduce over its time.
            using var buffer = Tensor.Ones([(long)(mb * 1024 * 1024 / 4)]);
            group.AllReduce(buffer);
            var times = new List<double>();
            for (var i = 0; i < repeat; i++)
            {
                group.Barrier();
                var t0 = Stopwatch.GetTimestamp();
                group.AllReduce(buffer);
                times.Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
            }
            var median = times.Order().ElementAt(times.Count / 2);
            var bus = n == 1 ? double.NaN : mb * 2 * (n - 1) / n / median;
            table.AddRow($"all_reduce {mb.ToString(CultureInfo.InvariantCulture)} MB", $"{median * 1e3:F1} ms (median of {repeat}), bus bandwidth {bus:F0} MB/s");
        }
        AnsiConsole.Write(table);
        if (!(sumOk && broadcastOk && gatherOk)) throw new DistributedException($"rank {group.Rank}: a collective returned a wrong result (see the table)");
    }
}
