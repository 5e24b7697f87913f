using System.Text.Json;
using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Images;

namespace Ocular.Cli.Tests;

/// <summary><c>ocular train classifier --attention</c> and the lfi-cam/abn explainers on the command line (issue 14).</summary>
public class TrainAttentionCommandTests
{
    [Fact]
    public void TrainsAnLfiCamClassifierAndExplainsWithItsOwnMap()
    {
        using var dir = new TempDirectory();
        var run = Path.Combine(dir.Path, "run");
        var r = CliRunner.Run("train", "classifier", "--data", "shapes:count=200,test-count=40,size=32", "--arch", "compact_cnn", "--attention", "lfi-cam",
            "--epochs", "1", "--batch-size", "32", "--lr", "0.05", "--train-images", "150", "--threads", "2", "--workers", "1", "--out", run);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("lficam_compact_cnn", r.StdOut);
        Assert.Contains("135 train / 15 validation (selects the best epoch) / 40 test images", r.StdOut);   // the first 150, 10 % held out
        Assert.Contains("val top-1", r.StdOut);
        Assert.Contains("best epoch 1 (validation top-1", r.StdOut);
        using (var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "config.json"))))
        {
            var options = config.RootElement.GetProperty("options");
            Assert.Equal("lficam_compact_cnn", options.GetProperty("architecture").GetString());
            Assert.False(options.GetProperty("select_on_test").GetBoolean());
            Assert.Equal(0.1, options.GetProperty("validation_fraction").GetDouble());
        }

        var images = Path.Combine(dir.Path, "images");
        Directory.CreateDirectory(images);
        using (var generator = new Generator(2)) using (var pixels = Tensor.RandInt(256, [3, 32, 32], generator, ScalarType.UInt8)) ImageIO.WritePng(Path.Combine(images, "a.png"), pixels);
        var outDir = Path.Combine(dir.Path, "maps");
        var explain = CliRunner.Run("explain", "--model", Path.Combine(run, "best.ocular"), "--method", "lfi-cam,grad-cam", "--input", images, "--out", outDir);
        Assert.True(explain.ExitCode == 0, explain.StdErr);
        using var maps = Npy.Load(Path.Combine(outDir, "lfi-cam.npy"));
        Assert.Equal(new long[] { 1, 32, 32 }, maps.Shape);
        using var max = maps.Max();
        Assert.Equal(1f, max.Item<float>(), 1e-6f);
        Assert.True(File.Exists(Path.Combine(outDir, "grad-cam.npy")));

        // abn on an LFI-CAM classifier: one line saying which method fits.
        var wrong = CliRunner.Run("explain", "--model", Path.Combine(run, "best.ocular"), "--method", "abn", "--input", images, "--out", Path.Combine(dir.Path, "wrong"));
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("lficam_compact_cnn is a lfi-cam classifier (explain it with the method lfi-cam)", Assert.Single(wrong.StdErr.Trim().Split('\n')));
    }

    [Theory]
    [InlineData("abn cannot attach to vgg16", "--arch", "vgg16", "--attention", "abn")]
    [InlineData("applies to the torchvision ResNets, not to compact_cnn", "--arch", "compact_cnn", "--attention", "lfi-cam", "--conv1-stride", "2")]
    [InlineData("--conv1-stride and --fin-relu are LFI-CAM options", "--arch", "resnet18", "--conv1-stride", "2")]
    [InlineData("LFI-CAM options; ABN keeps the backbone's conv1", "--arch", "resnet18", "--attention", "abn", "--fin-relu", "every")]
    [InlineData("unknown attention 'cam'", "--arch", "resnet18", "--attention", "cam")]
    [InlineData("--fin-relu must be every or 2-and-4", "--arch", "resnet18", "--attention", "lfi-cam", "--fin-relu", "all")]
    [InlineData("unknown preset 'lfi'; presets: lficam-cifar", "--arch", "resnet18", "--preset", "lfi")]
    [InlineData("--validation-fraction must be in (0, 1)", "--arch", "resnet18", "--validation-fraction", "1.5")]
    public void BadAttentionOptionsAreOneLine(string message, params string[] options)
    {
        using var dir = new TempDirectory();
        var r = CliRunner.Run(["train", "classifier", "--data", "shapes", .. options, "--out", Path.Combine(dir.Path, "run")]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(message, Assert.Single(r.StdErr.Trim().Split('\n')));
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "run")));
    }
}
