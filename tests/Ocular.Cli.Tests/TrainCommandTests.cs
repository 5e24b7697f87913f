using System.Diagnostics;
using System.Text.Json;
using Ocular.Torch;
using Ocular.Vision.Images;
using Ocular.Vision.Models;
using Ocular.Vision.Training;

namespace Ocular.Cli.Tests;

public class TrainCommandTests
{
    private static string[] TinyShapes(string outDir) =>
    [
        "train", "classifier", "--data", "shapes:count=1024,test-count=128,size=32", "--arch", "compact_cnn", "--epochs", "3",
        "--batch-size", "64", "--lr", "0.05", "--schedule", "step:2", "--seed", "3", "--threads", "2", "--workers", "2", "--tensorboard", "--out", outDir,
    ];

    /// <summary>
    /// The kill-and-resume test: a run killed with SIGKILL in the middle of epoch 2 and resumed with --resume reaches the
    /// same final weights, bit for bit, and the same metrics as the uninterrupted run with the same seed and threads.
    /// </summary>
    [Fact]
    public void ARunKilledMidEpochAndResumedReachesTheSameWeights()
    {
        using var dir = new TempDirectory();
        var whole = Path.Combine(dir.Path, "whole");
        var killed = Path.Combine(dir.Path, "killed");

        var r = CliRunner.Run(TinyShapes(whole));
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("epoch 3/3", r.StdOut);

        using (var p = CliRunner.Start(null, TinyShapes(killed)))
        {
            p.BeginOutputReadLine(); // drained and discarded
            var last = Path.Combine(killed, "last.ocular");
            var clock = Stopwatch.StartNew();
            while (EpochOf(last) < 1)
            {
                if (p.HasExited) Assert.Fail("the run ended before its first epoch: " + p.StandardError.ReadToEnd());
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), "no epoch completed in 2 minutes");
                Thread.Sleep(20);
            }
            // Into epoch 2: about a third of epoch 1's training time.
            using (var row = JsonDocument.Parse(File.ReadAllLines(Path.Combine(killed, "metrics.jsonl"))[0]))
                Thread.Sleep(TimeSpan.FromSeconds(row.RootElement.GetProperty("train_seconds").GetDouble() / 3));
            p.Kill(entireProcessTree: true);   // SIGKILL
            p.WaitForExit();
            Assert.Equal(1, EpochOf(last));
        }

        var resumed = CliRunner.Run("train", "classifier", "--resume", killed, "--threads", "2");
        Assert.True(resumed.ExitCode == 0, resumed.StdErr);
        Assert.Contains("resuming", resumed.StdOut);
        Assert.DoesNotContain("epoch 1/3", resumed.StdOut);
        Assert.Contains("epoch 3/3", resumed.StdOut);

        Assert.Equal(WeightsHash(Path.Combine(whole, "last.ocular")), WeightsHash(Path.Combine(killed, "last.ocular")));
        Assert.Equal(WeightsHash(Path.Combine(whole, "best.ocular")), WeightsHash(Path.Combine(killed, "best.ocular")));
        Assert.Equal(Numbers(whole), Numbers(killed));
        Assert.Equal(2, Directory.GetFiles(Path.Combine(killed, "tensorboard")).Length);
    }

    [Fact]
    public void AnErrorMidRunKeepsTheCheckpointAndSaysHowToResume()
    {
        using var dir = new TempDirectory();
        var root = Path.Combine(dir.Path, "data");
        foreach (var split in new[] { "train", "test" })
            foreach (var cls in new[] { "a", "b" })
                for (var i = 0; i < 3; i++)
                    using (var image = Tensor.Full([3, 12, 12], cls == "a" ? 40 : 200, ScalarType.UInt8))
                        ImageIO.WritePng(Path.Combine(Directory.CreateDirectory(Path.Combine(root, split, cls)).FullName, $"{i}.png"), image);
        File.WriteAllText(Path.Combine(root, "test", "b", "broken.png"), "not a png");
        var run = Path.Combine(dir.Path, "run");

        var r = CliRunner.Run("train", "classifier", "--data", "folder:" + root, "--arch", "compact_cnn", "--input-size", "16", "--epochs", "2",
            "--batch-size", "4", "--out", run);
        Assert.Equal(1, r.ExitCode);
        var message = Assert.Single(r.StdErr.Trim().Split('\n'));
        Assert.Contains("broken.png", message);
        Assert.Contains($"the last complete checkpoint is {Path.Combine(run, "last.ocular")} (epoch 0)", message);
        Assert.EndsWith($"resume with: ocular train classifier --resume {run}", message);
        Assert.Equal(0, EpochOf(Path.Combine(run, "last.ocular")));
        Assert.Empty(Directory.GetFiles(run, "*.tmp"));
        Assert.Empty(Directory.GetFiles(run, ".*"));
    }

    [Theory]
    [InlineData("--arch", "resnet19", "unknown architecture 'resnet19'; valid names: resnet18")]
    [InlineData("--data", "imagenet:/x", "unknown data set 'imagenet:/x'; accepted: shapes")]
    [InlineData("--optimizer", "rmsprop", "unknown optimizer 'rmsprop'; accepted: sgd, adam, adamw")]
    [InlineData("--schedule", "linear", "unknown schedule 'linear'; accepted: constant, step:E1,E2[,gamma=G], cosine, onecycle")]
    [InlineData("--augment", "heavy", "unknown augmentation 'heavy'; accepted: default, none")]
    [InlineData("--bogus", "1", "Unrecognized command or argument '--bogus'")]
    public void ABadOptionIsOneLineNamingWhatIsAccepted(string option, string value, string message)
    {
        using var dir = new TempDirectory();
        var args = new List<string> { "train", "classifier", "--data", "shapes", "--arch", "compact_cnn", "--out", Path.Combine(dir.Path, "run") };
        var at = args.IndexOf(option);
        if (at >= 0) args[at + 1] = value;
        else args.AddRange([option, value]);
        var r = CliRunner.Run([.. args]);
        Assert.Equal(1, r.ExitCode);
        var line = Assert.Single(r.StdErr.Trim().Split('\n'));
        Assert.Contains(message, line);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "run")), "nothing is written for a bad command line");
    }

    [Fact]
    public void AFolderInTheWrongLayoutSaysWhatWasFoundAndExpected()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(Path.Combine(dir.Path, "cats"));
        Directory.CreateDirectory(Path.Combine(dir.Path, "dogs"));
        var r = CliRunner.Run("train", "classifier", "--data", "folder:" + dir.Path, "--arch", "resnet18", "--out", Path.Combine(dir.Path, "run"));
        Assert.Equal(1, r.ExitCode);
        var line = Assert.Single(r.StdErr.Trim().Split('\n'));
        Assert.Contains($"expected {dir.Path}/train/<class>/<image> and {dir.Path}/test/<class>/<image>", line);
        Assert.Contains("holds: cats/, dogs/", line);
    }

    [Fact]
    public void ResumeRefusesChangedOptions()
    {
        using var dir = new TempDirectory();
        var r = CliRunner.Run("train", "classifier", "--resume", dir.Path, "--lr", "0.1", "--arch", "resnet18");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("--arch, --lr cannot be given with --resume", r.StdErr);
        var missing = CliRunner.Run("train", "classifier", "--resume", dir.Path);
        Assert.Contains("holds no training run", missing.StdErr);
    }

    private static int EpochOf(string checkpoint)
    {
        try
        {
            return File.Exists(checkpoint) ? TrainingCheckpoint.ReadState(checkpoint).Epoch : -1;
        }
        catch (IOException)
        {
            return -1;
        }
    }

    private static string WeightsHash(string checkpoint)
    {
        using var loaded = ClassifierCheckpoint.Load(checkpoint);
        return ClassifierCheckpoint.WeightsHash(loaded.Model);
    }

    // The metrics rows without their timings.
    private static List<string> Numbers(string run) =>
        File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(line =>
        {
            using var doc = JsonDocument.Parse(line);
            return string.Join(",", doc.RootElement.EnumerateObject()
                .Where(p => p.Name is not ("images_per_second" or "train_seconds" or "epoch_seconds"))
                .Select(p => $"{p.Name}={p.Value.GetRawText()}"));
        }).ToList();
}
