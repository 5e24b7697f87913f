using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;

namespace Ocular.Cli;

/// <summary>
/// <c>--nproc-per-node N</c>: starts N copies of the current command on this machine as the ranks of one group, as
/// <c>torchrun --nproc-per-node N</c> does — RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR (127.0.0.1) and a free
/// MASTER_PORT in each one's environment, the threads split between them (<c>--threads</c> or the processor count,
/// ÷ N, at least 1). Rank 0's output is this command's; when a rank fails, the others are stopped and its error is
/// reported with its rank.
/// </summary>
internal static class LocalWorkers
{
    /// <summary>The option's name.</summary>
    public const string Option = "--nproc-per-node";

    /// <summary>Runs the ranks and returns the exit code (0 when every rank succeeded).</summary>
    public static int Run(int count, int? threads)
    {
        if (count < 1) throw new ArgumentException($"{Option} must be at least 1, got {count}");
        var perRank = Math.Max(1, (threads ?? Environment.ProcessorCount) / count);
        var args = Arguments(perRank);
        var port = FreePort();
        var workers = new List<Process>();
        try
        {
            for (var rank = 0; rank < count; rank++)
            {
                var psi = Command(args);
                psi.Environment["RANK"] = $"{rank}";
                psi.Environment["LOCAL_RANK"] = $"{rank}";
                psi.Environment["WORLD_SIZE"] = $"{count}";
                psi.Environment["MASTER_ADDR"] = "127.0.0.1";
                psi.Environment["MASTER_PORT"] = $"{port}";
                psi.Environment.TryAdd("OCULAR_GLOO_ADDRESS", "127.0.0.1");
                // Rank 0 writes to this console; the others' output is kept for their error message.
                psi.RedirectStandardOutput = psi.RedirectStandardError = rank > 0;
                workers.Add(Process.Start(psi) ?? throw new InvalidOperationException($"could not start rank {rank}"));
            }
            var errors = workers.Skip(1).Select(w => w.StandardError.ReadToEndAsync()).ToList();
            foreach (var w in workers.Skip(1)) _ = w.StandardOutput.ReadToEndAsync();
            // The first rank to fail stops the others. When several have ended since the last look, the one that ended first
            // is the cause: a rank that fails makes the ranks waiting for it in a collective fail next (connection closed).
            var pending = workers.ToList();
            while (pending.Count > 0)
            {
                var done = pending.Where(w => w.HasExited).OrderBy(w => w.ExitTime).FirstOrDefault();
                if (done is null)
                {
                    Thread.Sleep(100);
                    continue;
                }
                pending.Remove(done);
                if (done.ExitCode == 0) continue;
                var rank = workers.IndexOf(done);
                foreach (var other in pending) other.Kill(entireProcessTree: true);
                var message = rank == 0 ? "" : ": " + errors[rank - 1].Result.Trim().Split('\n').LastOrDefault(l => l.Length > 0);
                // A process killed by signal N exits with 128 + N (SIGKILL: 137, the out-of-memory killer's).
                var how = done.ExitCode > 128 ? $"was killed by signal {done.ExitCode - 128}" : $"failed (exit code {done.ExitCode})";
                Console.Error.WriteLine($"ocular: rank {rank} of {count} {how}{message}; the other ranks were stopped");
                return 1;
            }
            return 0;
        }
        finally
        {
            foreach (var w in workers) w.Dispose();
        }
    }

    // This invocation's arguments without --nproc-per-node, with each rank's share of the threads.
    private static List<string> Arguments(int threads)
    {
        var given = Environment.GetCommandLineArgs().Skip(1).ToList();
        var result = new List<string>();
        for (var i = 0; i < given.Count; i++)
        {
            if (given[i] == Option || given[i] == GlobalOptions.Threads.Name) { i++; continue; }
            if (given[i].StartsWith(Option + "=", StringComparison.Ordinal) || given[i].StartsWith(GlobalOptions.Threads.Name + "=", StringComparison.Ordinal)) continue;
            result.Add(given[i]);
        }
        result.AddRange([GlobalOptions.Threads.Name, $"{threads}"]);
        return result;
    }

    // The same program: the tool's own executable, or `dotnet ocular.dll` when run through the host.
    private static ProcessStartInfo Command(List<string> args)
    {
        var host = Environment.ProcessPath ?? "dotnet";
        var psi = new ProcessStartInfo(host) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") psi.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        foreach (var a in args) psi.ArgumentList.Add(a);
        return psi;
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
