using Ocular.Explain.Learned.LCam;
using Ocular.TestSupport;
using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Images;

namespace Ocular.Cli.Tests;

/// <summary><c>ocular train l-cam</c> end to end on a tiny Shapes run, then <c>explain</c> and <c>evaluate</c> with its checkpoint.</summary>
public class TrainLCamCommandTests
{
    private const string Shapes = "shapes:count=64,test-count=16,size=32";

    [Fact]
    public void TrainsThenExplainsAndEvaluatesWithTheCheckpoint()
    {
        using var dir = new TempDirectory();
        var classifier = TinyCheckpoint.Create(dir.Path);
        var run = dir.File("lcam");
        var r = CliRunner.Run("train", "l-cam", "--model", classifier, "--variant", "fm", "--data", Shapes, "--epochs", "2", "--batch-size", "16",
            "--lr", "0.05", "--workers", "0", "--threads", "2", "--out", run);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("L-CAM-Fm on compact_cnn at block4", r.StdOut);
        Assert.Contains("feature cache: 64 images × 2 views", r.StdOut);
        Assert.Contains("epoch 2/2", r.StdOut);
        Assert.Contains("done: best test loss", r.StdOut);
        foreach (var f in new[] { "config.json", "metrics.jsonl", "metrics.csv", "last.ocular", "best.ocular" })
            Assert.True(File.Exists(Path.Combine(run, f)), f);
        Assert.Equal("fm", LCamCheckpoint.ReadMetadata(Path.Combine(run, "best.ocular")).Variant);

        var again = CliRunner.Run("train", "l-cam", "--resume", run, "--epochs", "3", "--workers", "0", "--threads", "2");
        Assert.True(again.ExitCode == 0, again.StdErr);
        Assert.Contains("resuming", again.StdOut);
        Assert.Contains("epoch 3/3", again.StdOut);
        Assert.DoesNotContain("epoch 1/3", again.StdOut);
        var bad = CliRunner.Run("train", "l-cam", "--resume", run, "--lr", "1", "--sync-bn");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("--lr, --sync-bn cannot be given with --resume", bad.StdErr);   // a resumed run keeps its batch-norm synchronisation

        // explain: the maps of l-cam from its checkpoint.
        var image = dir.File("images/a.png");
        using (var g = new Generator(1))
        using (var pixels = Tensor.RandInt(256, [3, 32, 32], g, ScalarType.UInt8))
            ImageIO.WritePng(image, pixels);
        var explained = dir.File("explained");
        var e = CliRunner.Run("explain", "--model", classifier, "--method", "l-cam,grad-cam", "--explainer", Path.Combine(run, "best.ocular"),
            "--input", image, "--out", explained, "--threads", "1");
        Assert.True(e.ExitCode == 0, e.StdErr);
        using (var maps = Npy.Load(Path.Combine(explained, "l-cam.npy")))
        {
            Assert.Equal(new long[] { 1, 32, 32 }, maps.Shape);
            Assert.All(maps.ToArray<float>(), v => Assert.InRange(v, 0f, 1f));
            Assert.Equal(1f, maps.ToArray<float>().Max());
        }

        // evaluate: l-cam beside a post-hoc method and a baseline, in one table.
        var ev = CliRunner.Run("evaluate", "--model", classifier, "--data", Shapes, "--methods", $"l-cam:{Path.Combine(run, "best.ocular")},grad-cam,random",
            "--metrics", "ad,ic,pointing", "--limit", "8", "--out", dir.File("eval"), "--threads", "1");
        Assert.True(ev.ExitCode == 0, ev.StdErr);
        Assert.Matches(@"(?m)^l-cam-lcam\s+\d", ev.StdOut);
        Assert.Matches(@"(?m)^grad-cam\s+\d", ev.StdOut);

        // l-cam without a checkpoint, or with one for another classifier: one clear line, non-zero exit.
        var missing = CliRunner.Run("explain", "--model", classifier, "--method", "l-cam", "--input", image, "--out", dir.File("x"));
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("l-cam needs its trained checkpoint", missing.StdErr);
        var other = TinyCheckpoint.Create(Directory.CreateDirectory(dir.File("other")).FullName, seed: 11);
        var wrong = CliRunner.Run("explain", "--model", other, "--method", "l-cam", "--explainer", Path.Combine(run, "best.ocular"), "--input", image, "--out", dir.File("y"));
        Assert.NotEqual(0, wrong.ExitCode);
        Assert.Contains("trained for another compact_cnn classifier", wrong.StdErr);
    }
}
