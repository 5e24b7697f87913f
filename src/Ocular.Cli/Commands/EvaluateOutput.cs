using System.Diagnostics;
using System.Globalization;
using System.Text;
using Ocular.Evaluation;
using Ocular.Evaluation.Reports;
using Spectre.Console;

namespace Ocular.Cli.Commands;

/// <summary>
/// What <c>ocular evaluate</c> shows: a progress bar over images on stderr (plain lines when redirected) and the final
/// table on stdout. <c>ocular stability</c> shows its progress the same way.
/// </summary>
internal static class EvaluateOutput
{
    /// <summary>
    /// Runs <paramref name="work"/> with a progress display fed by its progress callback; plain lines start with
    /// <paramref name="command"/>. <paramref name="images"/> is the total until a progress report says otherwise
    /// (a study that resolves its data set itself starts from 0).
    /// </summary>
    public static T WithProgress<T>(int images, Func<Action<EvaluationProgress>, T> work, string command = "evaluate")
    {
        if (Console.IsErrorRedirected)
        {
            // Plain lines: one per activity change, at most every 2 s, plus the first and the last.
            var clock = Stopwatch.StartNew();
            var last = TimeSpan.FromSeconds(-10);
            string? lastActivity = null;
            var result = work(p =>
            {
                images = p.Images;
                if (p.Activity == lastActivity || clock.Elapsed - last < TimeSpan.FromSeconds(2)) return;
                last = clock.Elapsed;
                lastActivity = p.Activity;
                Console.Error.WriteLine($"{command}: {p.ImagesDone.ToString("0.#", CultureInfo.InvariantCulture)}/{p.Images} images — {p.Activity}");
            });
            Console.Error.WriteLine($"{command}: {images}/{images} images done in {clock.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s");
            return result;
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        var outcome = default(T);
        console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("images", maxValue: Math.Max(1, images));
                outcome = work(p =>
                {
                    images = p.Images;
                    task.MaxValue = Math.Max(1, images);
                    task.Value = Math.Min(p.ImagesDone, images);
                    // Short enough for an 80-column terminal next to the bar.
                    var activity = p.Activity.Length > 34 ? p.Activity[..33] + "…" : p.Activity;
                    task.Description = Markup.Escape($"{Math.Floor(p.ImagesDone)}/{p.Images} images · {activity}");
                });
                task.Value = task.MaxValue;
            });
        return outcome!;
    }

    /// <summary>Prints the methods × metrics table (best per column in bold, or marked * when redirected), the clean accuracy and the notes.</summary>
    public static void PrintTable(EvaluationResult result)
    {
        var best = result.Columns.ToDictionary(c => c.Key, c => result.BestMethods(c.Key));
        if (result.CleanTop1 is { } t1)
            Console.WriteLine($"clean accuracy: top-1 {HtmlReport.Format(t1, "%")} %, top-5 {HtmlReport.Format(result.CleanTop5!.Value, "%")} % on {result.Images.Count} images");
        if (Console.IsOutputRedirected) PlainTable(result, best);
        else
        {
            var table = new Table().Border(TableBorder.Rounded).AddColumn("method");
            foreach (var c in result.Columns) table.AddColumn(new TableColumn(Markup.Escape($"{c.Label} {c.Arrow}")).RightAligned());
            for (var m = 0; m < result.Methods.Count; m++)
            {
                var cells = new List<string> { Markup.Escape(result.Methods[m].Name) };
                foreach (var c in result.Columns)
                {
                    var text = Markup.Escape(HtmlReport.Format(result.Methods[m].Summary[c.Key], c.Unit));
                    cells.Add(best[c.Key].Contains(m) ? $"[bold green]{text}[/]" : text);
                }
                table.AddRow(cells.ToArray());
            }
            AnsiConsole.Write(table);
            Console.WriteLine("↑ higher is better, ↓ lower is better; best per column (and ties) in bold.");
        }
        foreach (var note in result.Notes) Console.WriteLine($"note: {note}");
    }

    private static void PlainTable(EvaluationResult result, Dictionary<string, IReadOnlyList<int>> best)
    {
        var header = new List<string> { "method" };
        header.AddRange(result.Columns.Select(c => $"{c.Label} {c.Arrow}"));
        var rows = result.Methods.Select((m, i) => new List<string> { m.Name }
            .Concat(result.Columns.Select(c => HtmlReport.Format(m.Summary[c.Key], c.Unit) + (best[c.Key].Contains(i) ? "*" : " "))).ToList()).ToList();
        var widths = header.Select((h, j) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[j].Length))).ToList();
        var sb = new StringBuilder();
        sb.AppendLine(string.Join("  ", header.Select((h, j) => j == 0 ? h.PadRight(widths[j]) : h.PadLeft(widths[j]))));
        foreach (var r in rows) sb.AppendLine(string.Join("  ", r.Select((v, j) => j == 0 ? v.PadRight(widths[j]) : v.PadLeft(widths[j]))));
        sb.Append("↑ higher is better, ↓ lower is better; * marks the best value of each column (ties all starred).");
        Console.WriteLine(sb.ToString());
    }
}
