using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using Ocular.Evaluation.Reports;
using Ocular.Explain.Baselines;
using Ocular.TestSupport;
using Ocular.Vision.Datasets;
using Ocular.Vision.Models;

namespace Ocular.Evaluation.Tests;

/// <summary>results.json, results.csv and report.html of one small run.</summary>
[Collection(GlobalStateCollection.Name)]
public sealed class ReportTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly EvaluationResult _result;
    private readonly IReadOnlyList<string> _files;

    public ReportTests()
    {
        using var checkpoint = ClassifierCheckpoint.Load(TinyCheckpoint.Create(_dir.Path));
        var data = DataSpec.Parse(EvaluatorTests.ShapesSpec).Open(DataSplit.Test);
        var methods = new[]
        {
            MethodSource.Explainer("centre-gaussian", _ => new CentreGaussianExplainer()),
            MethodSource.Explainer("cam & <co>", m => new CamTestExplainer(m)),   // a name that needs escaping
        };
        var settings = new EvaluationSettings { Metrics = [.. MetricCatalog.Defaults, "sanity"], RoadPercent = [10, 50], SanityImages = 2, GalleryImages = 2, ChunkSize = 4 };
        _result = new Evaluator(checkpoint.Model, checkpoint.Metadata).Run(data, methods, settings, new EvaluationRunInfo("tiny.ocular", EvaluatorTests.ShapesSpec, "test"));
        _files = EvaluationReport.Write(_result, Path.Combine(_dir.Path, "out"));
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void AnotherModelsRowsJoinTheTableUnderItsTag()
    {
        // The demo's LFI-CAM and ABN classifiers: their evaluations on the same images join the baseline's table.
        var combined = CombinedModels.Add(_result, [("other_model", _result)]);
        Assert.Equal([.. _result.Methods.Select(m => m.Name), .. _result.Methods.Select(m => $"{m.Name} [other_model]")], combined.Methods.Select(m => m.Name));
        Assert.Equal(_result.Methods[0].Summary, combined.Methods[_result.Methods.Count].Summary);
        Assert.Contains(combined.Notes, n => n.StartsWith("Rows marked [other_model] explain and score", StringComparison.Ordinal));
        Assert.All(combined.Gallery, g => Assert.Equal(2 * _result.Methods.Count, g.Overlays.Count));
        Assert.Equal(2 * _result.Extremes.Count, combined.Extremes.Count);
        var files = EvaluationReport.Write(combined, Path.Combine(_dir.Path, "combined"));
        var html = File.ReadAllText(files[2]);
        Assert.Contains("centre-gaussian [other_model]", html, StringComparison.Ordinal);

        var shifted = _result with { Images = [.. _result.Images.Skip(1)] };
        var error = Assert.Throws<ArgumentException>(() => CombinedModels.Add(_result, [("shifted", shifted)]));
        Assert.Contains("covers other images", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReportIsWellFormedSelfContainedAndComplete()
    {
        var html = File.ReadAllText(_files[2]);
        // Minimal check chosen: the page is XHTML-compatible, so System.Xml parses it (the doctype is skipped).
        using var reader = XmlReader.Create(new StringReader(html), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore });
        var document = XDocument.Load(reader);
        Assert.Equal("html", document.Root!.Name.LocalName);

        foreach (var external in new[] { "http://", "https://", "src=\"//", "href=", "<link", "<script", "url(", "@import" })
            Assert.DoesNotContain(external, html, StringComparison.OrdinalIgnoreCase);
        var images = document.Descendants("img").Select(i => (string)i.Attribute("src")!).ToList();
        Assert.NotEmpty(images);
        Assert.All(images, src => Assert.StartsWith("data:image/png;base64,", src));
        Assert.Equal(2 * 3 + _result.Extremes.Count, images.Count);            // gallery: image + 2 overlays, twice
        Assert.Equal(5, document.Descendants("svg").Count());                   // deletion, insertion, ROAD MoRF and LeRF, sanity
        Assert.Single(document.Descendants("svg"), s => ((string?)s.Attribute("aria-label"))?.StartsWith("Spearman", StringComparison.Ordinal) == true);

        var text = string.Concat(document.Descendants().Where(e => !e.HasElements).Select(e => e.Value + " "));
        foreach (var m in _result.Methods) Assert.Contains(m.Name, text);
        foreach (var c in _result.Columns) Assert.Contains($"{c.Label} {c.Arrow}", text);
        foreach (var metric in _result.Metrics) Assert.Contains(metric, text);
        var table = document.Descendants("table").First(t => (string?)t.Attribute("class") == "results");
        Assert.Equal(_result.Methods.Count, table.Descendants("tr").Count(r => r.Elements("td").Any()));
        Assert.Equal(_result.Columns.Count, table.Descendants("th").Count() - 1);
        Assert.Contains(table.Descendants("td"), td => (string?)td.Attribute("class") == "best");
    }

    [Fact]
    public void CsvIsALongTableWithSummaryAndPerImageRows()
    {
        var lines = File.ReadAllLines(_files[1]);
        Assert.Equal("scope,method,metric,position,index,path,value", lines[0]);
        var rows = lines.Skip(1).Select(ParseCsvLine).ToList();
        Assert.All(rows, r => Assert.Equal(7, r.Count));
        Assert.All(rows, r => Assert.True(double.TryParse(r[6], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _), r[6]));
        var summary = rows.Where(r => r[0] == "summary").ToList();
        var perImage = rows.Where(r => r[0] == "image").ToList();
        Assert.Equal(summary.Count + perImage.Count, rows.Count);
        Assert.Contains(summary, r => r[1] == "(model)" && r[2] == "top1");
        Assert.Contains(summary, r => r[1] == "cam & <co>" && r[2] == "road-morf@50");
        Assert.Contains(summary, r => r[1] == "cam & <co>" && r[2] == "sanity@block1.0");
        foreach (var m in _result.Methods)
            foreach (var c in _result.Columns)
            {
                Assert.Single(summary, r => r[1] == m.Name && r[2] == c.Key);
                Assert.Equal(m.PerImage[c.Key].Count(v => !double.IsNaN(v)), perImage.Count(r => r[1] == m.Name && r[2] == c.Key));
            }
        Assert.Equal(2, perImage.Count(r => r[1] == "centre-gaussian" && r[2] == "sanity"));
        Assert.All(perImage, r => Assert.InRange(int.Parse(r[3], System.Globalization.CultureInfo.InvariantCulture), 0, 7));
    }

    [Fact]
    public void JsonHoldsSettingsConventionsResultsAndCurves()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(_files[0]));
        var root = json.RootElement;
        Assert.Equal(ResultsJson.FormatTag, root.GetProperty("format").GetString());
        var settings = root.GetProperty("settings");
        Assert.Equal(8, settings.GetProperty("images").GetInt32());
        Assert.Equal(32, settings.GetProperty("step").GetInt32());
        Assert.Equal(32, settings.GetProperty("steps").GetInt32());
        Assert.Equal([100, 50, 15], settings.GetProperty("keep_percent").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(EvaluatorTests.ShapesSpec, settings.GetProperty("data").GetString());
        Assert.True(root.GetProperty("conventions").TryGetProperty("deletion", out _));
        var methods = root.GetProperty("methods").EnumerateArray().ToList();
        Assert.Equal(["centre-gaussian", "cam & <co>"], methods.Select(m => m.GetProperty("name").GetString()));
        Assert.Equal(33, methods[0].GetProperty("curves").GetProperty("insertion").GetArrayLength());
        Assert.Equal(9, methods[1].GetProperty("sanity").GetArrayLength());
        Assert.Equal(_result.Methods[0].Summary["ad@15"], methods[0].GetProperty("results").GetProperty("ad@15").GetDouble(), 9);
        Assert.Equal("lower", root.GetProperty("columns").EnumerateArray().First(c => c.GetProperty("key").GetString() == "deletion").GetProperty("direction").GetString());
    }

    // RFC 4180 fields: commas inside quotes, doubled quotes.
    private static List<string> ParseCsvLine(string line)
    {
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
                else if (ch == '"') quoted = false;
                else field.Append(ch);
            }
            else if (ch == '"') quoted = true;
            else if (ch == ',') { fields.Add(field.ToString()); field.Clear(); }
            else field.Append(ch);
        }
        fields.Add(field.ToString());
        return fields;
    }
}
