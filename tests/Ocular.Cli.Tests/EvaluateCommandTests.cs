using Ocular.TestSupport;
using Ocular.Torch;
using Ocular.Torch.Serialization;

namespace Ocular.Cli.Tests;

/// <summary>Builds the tiny checkpoint once (it draws from libtorch's global generator) for the evaluate tests.</summary>
public sealed class EvaluateFixture : IDisposable
{
    public EvaluateFixture()
    {
        Checkpoint = TinyCheckpoint.Create(Directory.Path);
        using var g = new Generator(5);
        using (var maps = Tensor.Rand([8, 32, 32], g)) Npy.Save(Directory.File("maps.npy"), maps);
        using (var small = Tensor.Rand([8, 16, 16], g)) Npy.Save(Directory.File("small.npy"), small);
    }

    internal TempDirectory Directory { get; } = new();
    public string Checkpoint { get; }

    public void Dispose() => Directory.Dispose();
}

public class EvaluateCommandTests(EvaluateFixture fixture) : IClassFixture<EvaluateFixture>
{
    private const string Shapes = "shapes:count=16,test-count=8,size=32";

    private CliRunner.Result Evaluate(string outName, params string[] more) =>
        CliRunner.Run(["evaluate", "--model", fixture.Checkpoint, "--data", Shapes, "--out", fixture.Directory.File(outName), "--threads", "1", .. more]);

    [Fact]
    public void EvaluatesExplainersAndMapsFilesAndWritesTheThreeOutputs()
    {
        var r = Evaluate("run", "--methods", "random,centre-gaussian", "--maps", "other=" + fixture.Directory.File("maps.npy"),
            "--metrics", "ad,ic,deletion,insertion,pointing,ebpg,top1", "--keep", "100,15", "--limit", "6", "--chunk-size", "4");
        Assert.True(r.ExitCode == 0, r.StdErr);
        // Redirected output: a plain table, arrows in the header, the best value of each column starred.
        Assert.Matches(@"method\s+AD 100% ↓\s+AD 15% ↓\s+IC 100% ↑\s+IC 15% ↑\s+Deletion ↓\s+Insertion ↑\s+Pointing ↑\s+EBPG ↑\s+Top-1 100% ↑\s+Top-1 15% ↑", r.StdOut);
        foreach (var method in new[] { "random", "centre-gaussian", "other" }) Assert.Matches($@"(?m)^{method}\s+\d", r.StdOut);
        Assert.Contains("*", r.StdOut);
        Assert.Contains("clean accuracy: top-1", r.StdOut);
        Assert.Contains("evaluate: 6/6 images done", r.StdErr);
        foreach (var file in new[] { "results.json", "results.csv", "report.html" })
            Assert.True(File.Exists(Path.Combine(fixture.Directory.File("run"), file)), file);
        var csv = File.ReadAllLines(Path.Combine(fixture.Directory.File("run"), "results.csv"));
        Assert.Equal(6, csv.Count(l => l.StartsWith("image,other,ad@15,", StringComparison.Ordinal)));
    }

    // --precision bf16 (emulated here: one warning) scores and explains in bfloat16 and says so in results.json.
    [Fact]
    public void PrecisionIsRecordedInResultsJson()
    {
        var r = CliRunner.Run(new Dictionary<string, string> { ["OCULAR_NATIVE_BF16"] = "0" },
            ["evaluate", "--model", fixture.Checkpoint, "--data", Shapes, "--out", fixture.Directory.File("bf16"), "--threads", "1",
             "--methods", "grad-cam,random", "--metrics", "ad,deletion", "--limit", "4", "--precision", "bf16"]);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Single(r.StdErr.Split('\n'), l => l.Contains("precision bf16: this processor has no native bfloat16"));
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(fixture.Directory.File("bf16"), "results.json")))!;
        Assert.Equal("bf16", (string?)json["settings"]!["precision"]);
        Assert.Equal("bf16", (string?)json["settings"]!["scoring_precision"]);
        Assert.Equal("bf16", (string?)json["methods"]![0]!["precision"]);
        Assert.Null(json["methods"]![1]!["precision"]);
    }

    [Fact]
    public void UnknownMetricIsOneLineListingTheValidOnes()
    {
        var r = Evaluate("bad-metric", "--methods", "random", "--metrics", "ad,auc");
        Assert.Equal(1, r.ExitCode);
        Assert.Single(r.StdErr.Trim().Split('\n'));
        Assert.Contains("unknown metric 'auc'", r.StdErr);
        Assert.Contains("deletion", r.StdErr);
    }

    [Fact]
    public void UnknownUpsampleIsOneLine()
    {
        var r = Evaluate("bad-upsample", "--methods", "score-cam", "--upsample", "corners");
        Assert.Equal(1, r.ExitCode);
        Assert.Single(r.StdErr.Trim().Split('\n'));
        Assert.Contains("unknown --upsample 'corners': expected half-pixel or align-corners", r.StdErr);
        Assert.False(Directory.Exists(fixture.Directory.File("bad-upsample")));
    }

    [Fact]
    public void UnknownMethodIsOneLineListingTheValidOnes()
    {
        var r = Evaluate("bad-method", "--methods", "grad-kam");
        Assert.Equal(1, r.ExitCode);
        Assert.Single(r.StdErr.Trim().Split('\n'));
        Assert.Contains("unknown explanation method 'grad-kam'", r.StdErr);
        Assert.Contains("score-cam", r.StdErr);
        Assert.Contains("centre-gaussian", r.StdErr);
    }

    [Fact]
    public void MapsOfTheWrongShapeAreOneLineNamingTheFile()
    {
        var r = Evaluate("bad-maps", "--maps", "small=" + fixture.Directory.File("small.npy"), "--metrics", "ad");
        Assert.Equal(1, r.ExitCode);
        Assert.Single(r.StdErr.Trim().Split('\n'));
        Assert.Contains("small.npy", r.StdErr);
        Assert.Contains("32×32", r.StdErr);
        Assert.False(Directory.Exists(fixture.Directory.File("bad-maps")));
    }
}
