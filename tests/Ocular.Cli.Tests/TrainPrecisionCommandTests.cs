using System.Text.Json.Nodes;
using Ocular.Torch;

namespace Ocular.Cli.Tests;

/// <summary><c>--precision</c> on the <c>train</c> commands (docs/precision.md, "Mixed-precision training").</summary>
public class TrainPrecisionCommandTests
{
    private static readonly Dictionary<string, string> NoNativeBf16 = new() { [CpuFeatures.NativeBf16Variable] = "0" };

    private static string Recorded(string run) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(run, "config.json")))!["options"]!["precision"]!.GetValue<string>();

    /// <summary>
    /// A bf16 run prints its precision in the start-up line and the emulation notice once, and records bf16; resumed with
    /// <c>--precision auto</c> on a processor without native bfloat16 it continues in float32, says so and records fp32.
    /// </summary>
    [Fact]
    public void TheClassifierTrainerRecordsThePrecisionAndAResumeMayChangeIt()
    {
        using var dir = new TempDirectory();
        var run = dir.File("run");
        var r = CliRunner.Run(NoNativeBf16, "train", "classifier", "--data", "shapes:count=64,test-count=16,size=32", "--arch", "compact_cnn",
            "--epochs", "1", "--batch-size", "32", "--select-on-test", "--workers", "0", "--precision", "bf16", "--out", run);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains(" threads, 0 workers, precision bf16", r.StdOut);
        Assert.Single(r.StdOut.Split('\n'), l => l.Contains("precision bf16: this processor has no native bfloat16", StringComparison.Ordinal));
        Assert.Equal("bf16", Recorded(run));

        var resumed = CliRunner.Run(NoNativeBf16, "train", "classifier", "--resume", run, "--epochs", "2", "--precision", "auto");
        Assert.True(resumed.ExitCode == 0, resumed.StdErr);
        Assert.Contains("was trained in bf16 and continues in fp32", resumed.StdOut);
        Assert.Single(resumed.StdOut.Split('\n'), l => l.Contains("precision auto: this processor has no native bfloat16", StringComparison.Ordinal));
        Assert.Contains("precision fp32", resumed.StdOut);
        Assert.Contains("epoch 2/2", resumed.StdOut);
        Assert.Equal("fp32", Recorded(run));
    }

    /// <summary>A bad value is one clear error on every train command, new run or resumed, before anything is written.</summary>
    [Fact]
    public void ABadPrecisionIsOneClearErrorOnEveryTrainCommand()
    {
        using var dir = new TempDirectory();
        var model = dir.File("missing.ocular");
        string[][] commands =
        [
            ["train", "classifier", "--data", "shapes", "--arch", "compact_cnn"],
            ["train", "l-cam", "--model", model, "--data", "shapes"],
            ["train", "lvw", "--base", model, "--data", "shapes"],
            ["train", "lavise", "--model", model, "--data", "shapes"],
        ];
        foreach (var command in commands)
        {
            var r = CliRunner.Run([.. command, "--precision", "half", "--out", dir.File("run")]);
            Assert.Equal(1, r.ExitCode);
            Assert.Equal("ocular: error: --precision must be fp32, bf16 or auto, got 'half'", r.StdErr.Trim());
            Assert.False(File.Exists(dir.File("run/config.json")));
        }
        var resumed = CliRunner.Run("train", "l-cam", "--resume", dir.Path, "--precision", "fp16");
        Assert.Equal(1, resumed.ExitCode);
        Assert.Contains("--precision must be fp32, bf16 or auto, got 'fp16'", resumed.StdErr);
    }
}
