using System.Globalization;
using System.Text.Json;
using Ocular.Torch;
using Ocular.Vision.Images;
using Ocular.Vision.Models;

namespace Ocular.Cli.Tests;

public class EvalCommandTests
{
    [Fact]
    public void PrintsTopKAndPerClassAccuracyAndWritesTheConfusionMatrix()
    {
        using var dir = new TempDirectory();
        var modelPath = Path.Combine(dir.Path, "model.ocular");
        using (var model = ModelZoo.Create("compact_cnn", 6))
            ClassifierCheckpoint.Save(modelPath, model, new ClassifierMetadata
            {
                Architecture = "compact_cnn", NumClasses = 6, ClassNames = ["circle", "square", "triangle", "star", "cross", "ring"],
                InputSize = 32, ResizeSize = 32, Mean = [0.5, 0.5, 0.5], Std = [0.5, 0.5, 0.5],
            });
        var outDir = Path.Combine(dir.Path, "eval");

        var r = CliRunner.Run("eval", "classifier", "--model", modelPath, "--data", "shapes:count=12,test-count=60,size=32", "--out", outDir);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("on shapes:count=12,test-count=60,size=32 test: 60 images", r.StdOut);
        Assert.Matches(@"│\s*5\s*│\s*ring\s*│\s*10\s*│\s*\d+\s*│\s*[\d.]+%\s*│", r.StdOut);

        // The confusion matrix: one row per true class, 10 images each; its diagonal gives the printed top-1.
        var csv = File.ReadAllLines(Path.Combine(outDir, "confusion-test.csv"));
        Assert.Equal("true\\predicted,circle,square,triangle,star,cross,ring", csv[0]);
        var counts = csv.Skip(1).Select(line => line.Split(',').Skip(1).Select(long.Parse).ToArray()).ToArray();
        Assert.All(counts, row => Assert.Equal(10, row.Sum()));
        var top1 = 100.0 * Enumerable.Range(0, 6).Sum(k => counts[k][k]) / 60;
        Assert.Contains($"top-1 {top1.ToString("F2", CultureInfo.InvariantCulture)}%", r.StdOut);

        using (var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "eval-test.json"))))
        {
            Assert.Equal(top1, json.RootElement.GetProperty("top1").GetDouble(), 9);
            Assert.Equal(6, json.RootElement.GetProperty("per_class").GetArrayLength());
            Assert.Equal("fp32", json.RootElement.GetProperty("precision").GetString());
        }

        // bfloat16 (emulated here, forced so on any processor): the same 60 images, the precision recorded, the loss
        // within bfloat16's rounding of float32's (an untrained network's logits are near 0: 0.05 absolute).
        var bf16Dir = Path.Combine(dir.Path, "bf16");
        var bf16 = CliRunner.Run(new Dictionary<string, string> { [Torch.CpuFeatures.NativeBf16Variable] = "0" }, "eval", "classifier", "--model", modelPath,
            "--data", "shapes:count=12,test-count=60,size=32", "--out", bf16Dir, "--precision", "bf16");
        Assert.True(bf16.ExitCode == 0, bf16.StdErr);
        Assert.Contains("precision bf16: this processor has no native bfloat16", bf16.StdErr);
        using (var full = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "eval-test.json"))))
        using (var low = JsonDocument.Parse(File.ReadAllText(Path.Combine(bf16Dir, "eval-test.json"))))
        {
            Assert.Equal("bf16", low.RootElement.GetProperty("precision").GetString());
            Assert.Equal(60, low.RootElement.GetProperty("images").GetInt32());
            Assert.Equal(full.RootElement.GetProperty("loss").GetDouble(), low.RootElement.GetProperty("loss").GetDouble(), 0.05);
        }
        using var picture = ImageIO.Read(Path.Combine(outDir, "confusion-test.png"));
        Assert.Equal(3, picture.Shape[0]);
        Assert.True(picture.Shape[1] > 6 * 44 && picture.Shape[2] > 6 * 44);
    }

    [Fact]
    public void AModelWithAnotherNumberOfClassesIsAOneLineError()
    {
        using var dir = new TempDirectory();
        var modelPath = Path.Combine(dir.Path, "model.ocular");
        using (var model = ModelZoo.Create("compact_cnn", 4))
            ClassifierCheckpoint.Save(modelPath, model, new ClassifierMetadata
            {
                Architecture = "compact_cnn", NumClasses = 4, InputSize = 32, ResizeSize = 32, Mean = [0.5], Std = [0.5],
            });
        var r = CliRunner.Run("eval", "classifier", "--model", modelPath, "--data", "shapes:count=6,test-count=6,size=32");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("the model has 4 classes but the data set has 6", Assert.Single(r.StdErr.Trim().Split('\n')));
    }
}
