using System.Net;
using System.Net.Sockets;

namespace Ocular.Cli.Tests;

/// <summary>
/// <c>ocular distributed check</c> as two real processes over loopback, configured as torchrun configures its workers
/// (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT): both join, check the collectives and time an all-reduce; a missing
/// variable or a rank that never arrives is one clear error.
/// </summary>
public sealed class DistributedCommandTests
{
    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static Dictionary<string, string> Environment(int rank, int size, int port) => new()
    {
        ["RANK"] = $"{rank}", ["WORLD_SIZE"] = $"{size}", ["MASTER_ADDR"] = "127.0.0.1", ["MASTER_PORT"] = $"{port}", ["OCULAR_GLOO_ADDRESS"] = "127.0.0.1",
    };

    [Fact]
    public async Task TwoProcessesJoinAndAgree()
    {
        var port = FreePort();
        var results = await Task.WhenAll(Enumerable.Range(0, 2).Select(r => Task.Run(() =>
            CliRunner.Run(Environment(r, 2, port), "distributed", "check", "--sizes", "1", "--repeat", "2", "--timeout", "120", "--threads", "1"))));
        for (var r = 0; r < 2; r++)
        {
            var result = results[r];
            Assert.True(result.ExitCode == 0, result.StdErr);
            Assert.Contains($"rank {r} of 2 at 127.0.0.1:{port}", result.StdOut);
            Assert.Equal(3, result.StdOut.Split('\n').Count(l => l.Contains("│ ok")));
            Assert.Contains("all_reduce 1 MB", result.StdOut);
        }
    }

    [Fact]
    public void MissingEnvironmentAndAbsentRanksAreNamed()
    {
        var none = CliRunner.Run(new Dictionary<string, string> { ["RANK"] = "", ["WORLD_SIZE"] = "", ["MASTER_ADDR"] = "", ["MASTER_PORT"] = "" }, "distributed", "check");
        Assert.Equal(1, none.ExitCode);
        Assert.Contains("RANK is not set", none.StdErr);
        var port = FreePort();
        var alone = CliRunner.Run(Environment(0, 2, port), "distributed", "check", "--timeout", "2");
        Assert.Equal(1, alone.ExitCode);
        Assert.Contains($"rank 0 of 2 could not join the group at 127.0.0.1:{port}: timed out after 2 s waiting for all 2 ranks to join (1 arrived; missing: rank 1)", alone.StdErr);
    }
}
