using System.Text.Json;
using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Images;

namespace Ocular.Cli.Tests;

/// <summary><c>ocular train lvw</c>, the lvw explainer and the IoU against the base classifier's Grad-CAM on the command line (issue 15).</summary>
public class TrainLvwCommandTests
{
    [Fact]
    public void TrainsLvwOnABaseClassifierExplainsAndEvaluatesItsIoU()
    {
        using var dir = new TempDirectory();
        const string data = "shapes:count=120,test-count=24,size=32";
        var baseRun = Path.Combine(dir.Path, "base");
        var b = CliRunner.Run("train", "classifier", "--data", data, "--arch", "compact_cnn", "--epochs", "1", "--batch-size", "32", "--lr", "0.05",
            "--threads", "2", "--workers", "0", "--quiet", "--out", baseRun);
        Assert.True(b.ExitCode == 0, b.StdErr);

        var run = Path.Combine(dir.Path, "lvw");
        var r = CliRunner.Run("train", "lvw", "--base", Path.Combine(baseRun, "best.ocular"), "--data", data, "--epochs", "3", "--warm-epochs", "1",
            "--push-start", "1", "--push-every", "1", "--last-layer-iterations", "1", "--words-per-class", "2", "--dimension", "16", "--batch-size", "32",
            "--targets-cache", Path.Combine(dir.Path, "targets"), "--threads", "2", "--workers", "0", "--out", run);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("lvw_compact_cnn_w2_d16", r.StdOut);
        Assert.Contains("distinct patches", r.StdOut);
        Assert.Contains("done: best step", r.StdOut);
        using (var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "config.json"))))
        {
            var options = config.RootElement.GetProperty("options");
            Assert.Equal("base", options.GetProperty("backbone_weights").GetString());
            Assert.Equal("block4", options.GetProperty("target_layer").GetString());
            Assert.Equal(10, options.GetProperty("align_weight").GetDouble());
        }
        Assert.True(File.Exists(Path.Combine(run, "push-1.json")));

        var images = Path.Combine(dir.Path, "images");
        Directory.CreateDirectory(images);
        using (var generator = new Generator(2)) using (var pixels = Tensor.RandInt(256, [3, 32, 32], generator, ScalarType.UInt8)) ImageIO.WritePng(Path.Combine(images, "a.png"), pixels);
        var explain = CliRunner.Run("explain", "--model", Path.Combine(run, "best.ocular"), "--method", "lvw", "--input", images, "--out", Path.Combine(dir.Path, "maps"));
        Assert.True(explain.ExitCode == 0, explain.StdErr);
        using (var maps = Npy.Load(Path.Combine(dir.Path, "maps", "lvw.npy"))) Assert.Equal(new long[] { 1, 32, 32 }, maps.Shape);
        Assert.Contains("the 10 most similar words", explain.StdOut);
        using (var view = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, "maps", "lvw-words.json"))))
        {
            var image = Assert.Single(view.RootElement.GetProperty("images").EnumerateArray());
            Assert.Equal(5, image.GetProperty("words").GetArrayLength());
        }
        Assert.Contains("word ", File.ReadAllText(Path.Combine(dir.Path, "maps", "lvw-words.html")));

        var evaluation = Path.Combine(dir.Path, "evaluation");
        var e = CliRunner.Run("evaluate", "--model", Path.Combine(run, "best.ocular"), "--data", data, "--limit", "8", "--methods", "lvw", "--metrics", "iou,ad",
            "--reference", "grad-cam", "--reference-model", Path.Combine(baseRun, "best.ocular"), "--out", evaluation);
        Assert.True(e.ExitCode == 0, e.StdErr);
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(evaluation, "results.json")));
        var text = results.RootElement.ToString();
        Assert.Contains("grad-cam@base", text);

        // The words page: every word with its source patch, classes and activation count.
        var wordsDir = Path.Combine(dir.Path, "words");
        var w = CliRunner.Run("words", "--model", Path.Combine(run, "best.ocular"), "--limit", "8", "--out", wordsDir);
        Assert.True(w.ExitCode == 0, w.StdErr);
        Assert.Contains("distinct patches", w.StdOut);
        using (var words = JsonDocument.Parse(File.ReadAllText(Path.Combine(wordsDir, "words.json"))))
        using (var pushed = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "push-1.json"))))
        {
            var list = words.RootElement.GetProperty("words");
            Assert.Equal(pushed.RootElement.GetProperty("words").GetArrayLength(), list.GetArrayLength());
            Assert.Equal(8 * 10, list.EnumerateArray().Sum(e => e.GetProperty("top_images").GetInt32()));   // ten words per image
        }
        Assert.Contains("<img alt=\"word 0 patch\"", File.ReadAllText(Path.Combine(wordsDir, "words.html")));
        var notPrototype = CliRunner.Run("words", "--model", Path.Combine(baseRun, "best.ocular"), "--out", Path.Combine(dir.Path, "w2"));
        Assert.Equal(1, notPrototype.ExitCode);
        Assert.Contains("not a prototype network", notPrototype.StdErr);

        // Resuming with a changed hyper-parameter is one clear line.
        var resume = CliRunner.Run("train", "lvw", "--resume", run, "--words-per-class", "3");
        Assert.Equal(1, resume.ExitCode);
        Assert.Contains("--words-per-class cannot be given with --resume", Assert.Single(resume.StdErr.Trim().Split('\n')));
    }

    [Fact]
    public void ABaseGivenAsPyTorchWeightsIsImportedOnTheFly()
    {
        using var dir = new TempDirectory();
        const string data = "shapes:count=60,test-count=12,size=32";
        // A plain state dict (no Ocular metadata) of a compact CNN for Shapes' 6 classes.
        var weights = Path.Combine(dir.Path, "base.safetensors");
        using (var model = Ocular.Vision.Models.ModelZoo.Create("compact_cnn", 6))
        {
            var state = model.StateDict();
            SafeTensors.Save(weights, state);
            foreach (var t in state.Values) t.Dispose();
        }
        var refused = CliRunner.Run("train", "lvw", "--base", weights, "--data", data, "--epochs", "1", "--warm-epochs", "1", "--out", Path.Combine(dir.Path, "refused"));
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("give --base-arch ARCH", Assert.Single(refused.StdErr.Trim().Split('\n')));

        var run = Path.Combine(dir.Path, "run");
        var r = CliRunner.Run("train", "lvw", "--base", weights, "--base-arch", "compact_cnn", "--data", data, "--epochs", "2", "--warm-epochs", "1",
            "--push-start", "1", "--push-every", "1", "--last-layer-iterations", "1", "--words-per-class", "1", "--dimension", "8", "--batch-size", "16",
            "--targets-cache", Path.Combine(dir.Path, "targets"), "--threads", "2", "--workers", "0", "--out", run);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("base classifier: loaded", r.StdOut);
        Assert.Contains("backbone: loaded", r.StdOut);
        using var meta = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "config.json")));
        Assert.Equal(64, meta.RootElement.GetProperty("data").GetProperty("input_size").GetInt32());   // the architecture's input size
    }

    [Theory]
    [InlineData("--base FILE.ocular is required", "--data", "shapes")]
    [InlineData("unknown --mode 'proto'; accepted: lvw, protopnet", "--base", "x.ocular", "--data", "shapes", "--mode", "proto")]
    [InlineData("--separation applies to ProtoPNet", "--base", "x.ocular", "--data", "shapes", "--separation", "-0.08")]
    [InlineData("--align-weight applies to Learnable Visual Words", "--base", "x.ocular", "--data", "shapes", "--mode", "protopnet", "--align-weight", "5")]
    [InlineData("--base: no such classifier checkpoint", "--base", "missing.ocular", "--data", "shapes")]
    public void BadOptionsAreOneLine(string message, params string[] options)
    {
        using var dir = new TempDirectory();
        var r = CliRunner.Run(["train", "lvw", .. options, "--out", Path.Combine(dir.Path, "run")]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(message, Assert.Single(r.StdErr.Trim().Split('\n')));
    }
}
