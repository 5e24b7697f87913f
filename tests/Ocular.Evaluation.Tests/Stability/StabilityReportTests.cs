using System.Text.Json.Nodes;
using System.Xml;
using System.Xml.Linq;
using Ocular.Evaluation.Metrics;
using Ocular.Evaluation.Reports;
using Ocular.Evaluation.Stability;

namespace Ocular.Evaluation.Tests.Stability;

/// <summary>The study's three files from a result made by hand (three models, FGSM on).</summary>
public sealed class StabilityReportTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static StabilityResult Result() => new()
    {
        Options = new StabilityOptions
        {
            Models = ["a.ocular", "b.ocular", "c, d.ocular"], Method = "lfi-cam", Data = "shapes", Threshold = 100,
            IoUMode = IoUMode.PerRowOriginal, Export = ExportQuantisation.OriginalUint8, FgsmEpsilon = 0.007,
        },
        Method = "lfi-cam",
        Data = "shapes",
        Models =
        [
            new("a", "/m/a.ocular", "lficam_compact_cnn", new string('1', 64), 75),
            new("b", "/m/b.ocular", "lficam_compact_cnn", new string('2', 64), 50),
            new("c, d", "/m/c, d.ocular", "lficam_compact_cnn", new string('3', 64), 100),
        ],
        ImageIds = ["#0", "#1"],
        InputSize = (32, 32),
        Pairs =
        [
            new(0, 1, [0.5, 0.7], [0.6, 0.8], 0.6, 0.7),
            new(0, 2, [1, 1], [1, 1], 1, 1),
            new(1, 2, [0.2, 0.4], [0.3, 0.5], 0.3, 0.4),
        ],
        Fgsm = new FgsmResult(0.007, [new(0, 75, 25, 0.9, 0.95), new(1, 50, 0, 0.5, 0.6), new(2, 100, 50, 0.8, 0.85)]),
        Warnings = ["c, d records no training data set"],
    };

    [Fact]
    public void JsonHasTheSettingsModelsPairsMeanAndFgsm()
    {
        var files = StabilityReport.Write(Result(), _dir.Path);
        Assert.Equal(["results.json", "results.csv", "report.html"], files.Select(Path.GetFileName));
        var json = JsonNode.Parse(File.ReadAllText(files[0]))!;
        Assert.Equal("ocular.stability/1", json["format"]!.GetValue<string>());
        var settings = json["settings"]!;
        Assert.Equal("per-row-original", settings["iou_mode"]!.GetValue<string>());
        Assert.Equal("original-uint8", settings["export"]!.GetValue<string>());
        Assert.Equal(100, settings["threshold"]!.GetValue<int>());
        Assert.Equal("lfi-cam", settings["method"]!.GetValue<string>());
        Assert.Equal(2, settings["images"]!.GetValue<int>());
        Assert.Equal(new string('2', 64), json["models"]![1]!["weights_sha256"]!.GetValue<string>());
        Assert.Equal(50, json["models"]![1]!["top1"]!.GetValue<double>());
        var pairs = json["pairs"]!.AsArray();
        Assert.Equal(3, pairs.Count);
        Assert.Equal("c, d", pairs[2]!["model_b"]!.GetValue<string>());
        Assert.Equal(0.3, pairs[2]!["iou"]!.GetValue<double>());
        Assert.Equal((0.6 + 1 + 0.3) / 3, json["mean"]!["iou"]!.GetValue<double>(), 12);
        Assert.Equal(3, json["mean"]!["pairs"]!.GetValue<int>());
        Assert.Equal(0.007, json["fgsm"]!["epsilon"]!.GetValue<double>());
        Assert.Equal(0, json["fgsm"]!["models"]![1]!["adversarial_top1"]!.GetValue<double>());
        Assert.Equal("c, d records no training data set", json["warnings"]![0]!.GetValue<string>());
    }

    [Fact]
    public void CsvHasOneRowPerPairAndQuotesLabels()
    {
        var files = StabilityReport.Write(Result(), _dir.Path);
        var lines = File.ReadAllLines(files[1]);
        Assert.Equal("a,b,model_a,model_b,iou,dice,images", lines[0]);
        Assert.Equal(4, lines.Length);
        Assert.Equal("0,1,a,b,0.6,0.7,2", lines[1]);
        Assert.Equal("1,2,b,\"c, d\",0.3,0.4,2", lines[3]);
    }

    [Fact]
    public void HtmlIsWellFormedWithABarPerPairAndTheTables()
    {
        var files = StabilityReport.Write(Result(), _dir.Path);
        var html = File.ReadAllText(files[2]);
        using var reader = XmlReader.Create(new StringReader(html), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore });
        var document = XDocument.Load(reader);
        var svg = Assert.Single(document.Descendants("svg"));
        // One bar per pair (the plot's frame is the other rect).
        Assert.Equal(3, svg.Elements("rect").Count(r => r.Element("title") is not null));
        Assert.Contains(svg.Elements("rect"), r => r.Element("title")?.Value == "b – c, d: 0.300");
        Assert.Contains("FGSM, ε = 0.007", html);
        Assert.Contains("mean over 3 pairs", html);
        Assert.Contains("a row empty in both maps scores 1", html);
    }
}
