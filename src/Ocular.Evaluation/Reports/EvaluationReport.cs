using Ocular.Torch.Serialization;

namespace Ocular.Evaluation.Reports;

/// <summary>Writes an evaluation's three outputs into a directory, each file atomically.</summary>
public static class EvaluationReport
{
    /// <summary>The file names written.</summary>
    public static readonly string[] Files = ["results.json", "results.csv", "report.html"];

    /// <summary>Writes results.json, results.csv and report.html into <paramref name="directory"/> (created if needed); returns their paths.</summary>
    public static IReadOnlyList<string> Write(EvaluationResult result, string directory)
    {
        Directory.CreateDirectory(directory);
        var json = Path.Combine(directory, Files[0]);
        var csv = Path.Combine(directory, Files[1]);
        var html = Path.Combine(directory, Files[2]);
        AtomicFile.WriteAllText(json, ResultsJson.Render(result));
        AtomicFile.WriteAllText(csv, ResultsCsv.Render(result));
        AtomicFile.WriteAllText(html, HtmlReport.Render(result));
        return [json, csv, html];
    }
}
