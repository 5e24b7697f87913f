using Ocular.Evaluation.Stability;

namespace Ocular.Evaluation.Reports;

/// <summary>Writes a stability study's three outputs into a directory, each file atomically (as <see cref="EvaluationReport"/>).</summary>
public static class StabilityReport
{
    /// <summary>Writes results.json, results.csv and report.html into <paramref name="directory"/> (created if needed); returns their paths.</summary>
    public static IReadOnlyList<string> Write(StabilityResult result, string directory) =>
        EvaluationReport.WriteFiles(directory, StabilityJson.Render(result), StabilityCsv.Render(result), StabilityHtml.Render(result));
}
