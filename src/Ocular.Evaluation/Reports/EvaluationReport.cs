using Ocular.Torch.Serialization;

namespace Ocular.Evaluation.Reports;

/// <summary>Writes an evaluation's three outputs into a directory, each file atomically.</summary>
public static class EvaluationReport
{
    /// <summary>The file names written.</summary>
    public static readonly string[] Files = ["results.json", "results.csv", "report.html"];

    /// <summary>Writes results.json, results.csv and report.html into <paramref name="directory"/> (created if needed); returns their paths.</summary>
    public static IReadOnlyList<string> Write(EvaluationResult result, string directory) =>
        WriteFiles(directory, ResultsJson.Render(result), ResultsCsv.Render(result), HtmlReport.Render(result));

    /// <summary>
    /// Writes the three rendered documents as <see cref="Files"/> into <paramref name="directory"/> (created if needed),
    /// each atomically (temporary file + rename); returns their paths. Every report of the project is written so.
    /// </summary>
    internal static IReadOnlyList<string> WriteFiles(string directory, string json, string csv, string html)
    {
        Directory.CreateDirectory(directory);
        var paths = Files.Select(f => Path.Combine(directory, f)).ToArray();
        AtomicFile.WriteAllText(paths[0], json);
        AtomicFile.WriteAllText(paths[1], csv);
        AtomicFile.WriteAllText(paths[2], html);
        return paths;
    }
}
