using Ocular.TestSupport;

namespace Ocular.Cli.Tests;

/// <summary>
/// <c>ocular distributed check</c> as two real processes over loopback, configured as torchrun configures its workers
/// (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT): both join, check the collectives and time an all-reduce; a missing
/// variable or a rank that never arrives is one clear error.
/// </summary>
public sealed class DistributedCommandTests
{
    private static Dictionary<string, string> Environment(int rank, int size, int port) => new()
    {
        ["RANK"] = $"{rank}", ["WORLD_SIZE"] = $"{size}", ["MASTER_ADDR"] = "127.0.0.1", ["MASTER_PORT"] = $"{port}", ["OCULAR_GLOO_ADDRESS"] = "127.0.0.1",
    };

    [Fact]
    public async Task TwoProcessesJoinAndAgree()
    {
        var port = LoopbackRanks.FreePort();
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
        var port = LoopbackRanks.FreePort();
        var alone = CliRunner.Run(Environment(0, 2, port), "distributed", "check", "--timeout", "2");
        Assert.Equal(1, alone.ExitCode);
        Assert.Contains($"rank 0 of 2 could not join the group at 127.0.0.1:{port}: timed out after 2 s waiting for all 2 ranks to join (1 arrived; missing: rank 1)", alone.StdErr);
    }
}

/// <summary>
/// <c>ocular train classifier</c> as two ranks launched as torchrun launches workers: each trains on its half of every
/// epoch (4 batches of 8 of the 58 training images), rank 0 alone writes the run directory and reports, and
/// <c>--resume</c> with both ranks continues the run.
/// </summary>
public sealed class DistributedTrainingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ocular-ddp-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Task<CliRunner.Result[]> TwoRanks(params string[] args) => LaunchedRanks.Run(2, args);

    [Fact]
    public async Task TwoRanksTrainOneRunAndResumeIt()
    {
        var run = Path.Combine(_dir, "run");
        var first = await TwoRanks("train", "classifier", "--data", "shapes:count=64,test-count=16,size=32", "--arch", "compact_cnn", "--epochs", "1",
            "--batch-size", "8", "--workers", "0", "--threads", "1", "--out", run);
        Assert.True(first[0].ExitCode == 0, first[0].StdErr);
        Assert.True(first[1].ExitCode == 0, first[1].StdErr);
        Assert.Contains("1 epochs of 4 batches of 8", first[0].StdOut);   // 29 of the 58 training images per rank
        Assert.DoesNotContain("epoch 1/1", first[1].StdOut);              // rank 1 trains quietly
        Assert.Single(File.ReadAllLines(Path.Combine(run, "metrics.jsonl")));
        var resumed = await TwoRanks("train", "classifier", "--resume", run, "--epochs", "2", "--threads", "1");
        Assert.True(resumed[0].ExitCode == 0, resumed[0].StdErr);
        Assert.True(resumed[1].ExitCode == 0, resumed[1].StdErr);
        Assert.Contains("resuming after epoch 1", resumed[0].StdOut);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Length);
        using var trained = Vision.Models.ClassifierCheckpoint.Load(Path.Combine(run, "last.ocular"));
        Assert.Equal(6, trained.Model.NumClasses);

        // --nproc-per-node 2 starts the same two ranks itself: the same first epoch, to the last digit.
        var local = Path.Combine(_dir, "local");
        var launched = CliRunner.Run("train", "classifier", "--data", "shapes:count=64,test-count=16,size=32", "--arch", "compact_cnn", "--epochs", "1",
            "--batch-size", "8", "--workers", "0", "--nproc-per-node", "2", "--threads", "2", "--out", local);
        Assert.True(launched.ExitCode == 0, launched.StdErr);
        Assert.Contains("1 epochs of 4 batches of 8; seed 0, 1 threads", launched.StdOut);
        static string TrainLoss(string file) => System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllLines(file)[0])!["train_loss"]!.ToJsonString();
        Assert.Equal(TrainLoss(Path.Combine(run, "metrics.jsonl")), TrainLoss(Path.Combine(local, "metrics.jsonl")));
    }

    [Fact]
    public void AFailingRankStopsTheLaunch()
    {
        var r = CliRunner.Run("train", "classifier", "--data", "folder:" + Path.Combine(_dir, "absent"), "--arch", "compact_cnn", "--epochs", "1",
            "--nproc-per-node", "2", "--out", Path.Combine(_dir, "bad"));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("of 2 failed (exit code 1)", r.StdErr);
        Assert.Contains("the other ranks were stopped", r.StdErr);
    }
}
