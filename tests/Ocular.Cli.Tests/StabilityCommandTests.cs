using System.Text.Json.Nodes;
using Ocular.Vision.Models;

namespace Ocular.Cli.Tests;

/// <summary>
/// Three tiny compact CNNs for the stability tests: two seeds (the second as a training run directory's best.ocular) and a
/// copy of the first; and one with another class list. Built once (they draw from libtorch's global generator).
/// </summary>
public sealed class StabilityFixture : IDisposable
{
    public StabilityFixture()
    {
        First = TinyCheckpoint.Create(Directory.File("first"), seed: 3);
        var second = TinyCheckpoint.Create(Directory.File("second"), seed: 4);
        RunDirectory = Directory.File("run-b");
        System.IO.Directory.CreateDirectory(RunDirectory);
        File.Copy(second, Path.Combine(RunDirectory, "best.ocular"));
        Copy = Directory.File("copy-of-first.ocular");
        File.Copy(First, Copy);
        FourClasses = TinyCheckpoint.Create(Directory.File("four"), classes: 4);
    }

    internal TempDirectory Directory { get; } = new();
    public string First { get; }
    public string RunDirectory { get; }
    public string Copy { get; }
    public string FourClasses { get; }

    public void Dispose() => Directory.Dispose();
}

public class StabilityCommandTests(StabilityFixture fixture) : IClassFixture<StabilityFixture>
{
    private const string Shapes = "shapes:count=16,test-count=8,size=32";

    private CliRunner.Result Stability(string outName, params string[] more) =>
        CliRunner.Run(["stability", "--data", Shapes, "--images", "6", "--batch-size", "4", "--out", fixture.Directory.File(outName), "--threads", "1", .. more]);

    private JsonNode Results(string outName) => JsonNode.Parse(File.ReadAllText(Path.Combine(fixture.Directory.File(outName), "results.json")))!;

    [Fact]
    public void ComparesEveryPairAndACopyOfAModelScoresOne()
    {
        // Models given both ways: separate values and a comma list; a run directory stands for its best.ocular.
        var r = Stability("grad-cam", "--models", fixture.First, $"{fixture.RunDirectory},{fixture.Copy}", "--method", "grad-cam");
        Assert.True(r.ExitCode == 0, r.StdErr);
        var json = Results("grad-cam");
        Assert.Equal("grad-cam", json["settings"]!["method"]!.GetValue<string>());
        Assert.Equal(6, json["settings"]!["images"]!.GetValue<int>());
        Assert.Equal(100, json["settings"]!["threshold"]!.GetValue<int>());
        Assert.Equal("per-image", json["settings"]!["iou_mode"]!.GetValue<string>());
        Assert.Equal("float", json["settings"]!["export"]!.GetValue<string>());
        var models = json["models"]!.AsArray();
        Assert.Equal(["tiny", "run-b", "copy-of-first"], models.Select(m => m!["label"]!.GetValue<string>()));
        Assert.Equal(Path.Combine(fixture.RunDirectory, "best.ocular"), models[1]!["path"]!.GetValue<string>());
        Assert.Equal(models[0]!["weights_sha256"]!.GetValue<string>(), models[2]!["weights_sha256"]!.GetValue<string>());
        Assert.All(models, m => Assert.InRange(m!["top1"]!.GetValue<double>(), 0, 100));
        var pairs = json["pairs"]!.AsArray();
        Assert.Equal(3, pairs.Count);
        Assert.Equal(3, json["mean"]!["pairs"]!.GetValue<int>());
        Assert.All(pairs, p => Assert.InRange(p!["iou"]!.GetValue<double>(), 0, 1));
        Assert.All(pairs, p => Assert.Equal(6, p!["images"]!.GetValue<int>()));
        var self = pairs.Single(p => p!["model_a"]!.GetValue<string>() == "tiny" && p!["model_b"]!.GetValue<string>() == "copy-of-first")!;
        Assert.Equal(1.0, self["iou"]!.GetValue<double>(), 12);
        Assert.Equal(pairs.Average(p => p!["iou"]!.GetValue<double>()), json["mean"]!["iou"]!.GetValue<double>(), 12);
        Assert.Null(json["fgsm"]);

        Assert.Matches(@"tiny\s+│\s+copy-of-first\s+│\s+1\.000", r.StdOut);
        Assert.Contains("mean over 3 pairs", r.StdOut);
        Assert.Contains("stability: 6/6 images done", r.StdErr);
        Assert.Contains("ocular: warning: tiny and copy-of-first have identical weights", r.StdErr);
        Assert.Contains("records no training data set", r.StdErr);
        var csv = File.ReadAllLines(Path.Combine(fixture.Directory.File("grad-cam"), "results.csv"));
        Assert.Equal(4, csv.Length);
        Assert.StartsWith("0,2,tiny,copy-of-first,1,", csv[2]);
        Assert.Contains("<svg", File.ReadAllText(Path.Combine(fixture.Directory.File("grad-cam"), "report.html")));
    }

    [Fact]
    public void FgsmAndTheOriginalModesAreRecorded()
    {
        var r = Stability("fgsm", "--models", fixture.First, fixture.RunDirectory, "--method", "grad-cam", "--fgsm", "0.007",
            "--iou-mode", "per-row-original", "--export", "original-uint8", "--threshold", "50");
        Assert.True(r.ExitCode == 0, r.StdErr);
        var json = Results("fgsm");
        Assert.Equal("per-row-original", json["settings"]!["iou_mode"]!.GetValue<string>());
        Assert.Equal("original-uint8", json["settings"]!["export"]!.GetValue<string>());
        Assert.Equal(50, json["settings"]!["threshold"]!.GetValue<int>());
        Assert.Equal(0.007, json["settings"]!["fgsm_epsilon"]!.GetValue<double>());
        var fgsm = json["fgsm"]!;
        Assert.Equal(0.007, fgsm["epsilon"]!.GetValue<double>());
        var perModel = fgsm["models"]!.AsArray();
        Assert.Equal(2, perModel.Count);
        for (var k = 0; k < 2; k++)
        {
            Assert.Equal(json["models"]![k]!["top1"]!.GetValue<double>(), perModel[k]!["clean_top1"]!.GetValue<double>());
            var adversarial = perModel[k]!["adversarial_top1"]!.GetValue<double>();
            Assert.InRange(adversarial, 0, 100);
            Assert.Equal(0, adversarial * 6 / 100 % 1, 9); // a whole number of the 6 images
            Assert.InRange(perModel[k]!["map_iou"]!.GetValue<double>(), 0, 1);
        }
        Assert.Contains("FGSM ε=0.007 top-1 %", r.StdOut);
    }

    [Fact]
    public void ModelsWithDifferentClassListsAreRefusedInOneLineNamingBoth()
    {
        var r = Stability("refused", "--models", fixture.First, fixture.FourClasses, "--method", "grad-cam");
        Assert.Equal(1, r.ExitCode);
        var line = Assert.Single(r.StdErr.Trim().Split('\n'));
        Assert.StartsWith("ocular: error: models first/tiny (", line);
        Assert.Contains("four/tiny", line);
        Assert.Contains("differ in number of classes: 6 vs 4", line);
        Assert.False(Directory.Exists(fixture.Directory.File("refused")));
    }

    [Fact]
    public void APlainModelNeedsAMethod()
    {
        var r = Stability("no-method", "--models", fixture.First, fixture.Copy);
        Assert.Equal(1, r.ExitCode);
        var line = Assert.Single(r.StdErr.Trim().Split('\n'));
        Assert.Contains("name the method to compare (--method", line);
    }

    [Fact]
    public void OneModelIsNotAStudy()
    {
        var r = Stability("one", "--models", fixture.First, "--method", "grad-cam");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("ocular: error: a stability study compares at least 2 models (--models), got 1", r.StdErr.Trim());
    }

    [Fact]
    public void AnUnknownIoUModeIsOneLineListingTheModes()
    {
        var r = Stability("bad-mode", "--models", fixture.First, fixture.Copy, "--method", "grad-cam", "--iou-mode", "per-row");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("ocular: error: unknown IoU mode 'per-row': expected per-image or per-row-original", r.StdErr.Trim());
    }

    [Fact]
    public void TheCheckpointsAreUntouched()
    {
        // The study loads the models in evaluation mode and writes only into --out.
        var before = File.ReadAllBytes(fixture.First);
        var r = Stability("untouched", "--models", fixture.First, fixture.Copy, "--method", "grad-cam", "--fgsm", "0.01");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal(before, File.ReadAllBytes(fixture.First));
        Assert.Equal("compact_cnn", ClassifierCheckpoint.ReadMetadata(fixture.First).Architecture);
    }
}
