using System.Globalization;
using Ocular.Evaluation.Metrics;
using Ocular.Evaluation.Reports;
using Ocular.Evaluation.Stability;
using Spectre.Console;

namespace Ocular.Cli.Commands;

/// <summary>What <c>ocular stability</c> prints on stdout: the settings line, the pairs table with the mean, the models table and the FGSM table.</summary>
internal static class StabilityOutput
{
    public static void Print(StabilityResult r)
    {
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 120);
        var o = r.Options;
        Console.WriteLine($"{r.Method} on {r.Data} ({o.Split.ToString().ToLowerInvariant()}, {r.ImageIds.Count} images): {r.Models.Count} models, {r.Pairs.Count} pairs; " +
                          $"threshold {o.Threshold}, IoU {StabilityModeNames.Name(o.IoUMode)}, export {StabilityModeNames.Name(o.Export)}, paired by image identifier");

        var pairs = new Table().Border(TableBorder.Rounded).AddColumn("model A").AddColumn("model B")
            .AddColumn(new TableColumn("IoU ↑").RightAligned()).AddColumn(new TableColumn("Dice ↑").RightAligned());
        foreach (var p in r.Pairs)
            pairs.AddRow(Markup.Escape(r.Models[p.A].Label), Markup.Escape(r.Models[p.B].Label), N(p.MeanIoU), N(p.MeanDice));
        pairs.AddRow(Markup.Escape($"mean over {r.Pairs.Count} pairs"), "", N(r.MeanIoU), N(r.MeanDice));
        AnsiConsole.Write(pairs);

        var models = new Table().Border(TableBorder.Rounded).AddColumn("model").AddColumn("architecture").AddColumn(new TableColumn("top-1 %").RightAligned());
        var fgsm = r.Fgsm?.Models.ToDictionary(m => m.Model);
        if (fgsm is not null)
        {
            models.AddColumn(new TableColumn($"FGSM ε={r.Fgsm!.Epsilon.ToString("R", CultureInfo.InvariantCulture)} top-1 %").RightAligned());
            models.AddColumn(new TableColumn("map IoU clean/adv. ↑").RightAligned());
        }
        for (var k = 0; k < r.Models.Count; k++)
        {
            var m = r.Models[k];
            var cells = new List<string> { Markup.Escape(m.Label), Markup.Escape(m.Architecture), m.Top1 is { } t ? N(t, "%") : "—" };
            if (fgsm is not null) cells.AddRange([N(fgsm[k].AdversarialTop1, "%"), N(fgsm[k].MapIoU)]);
            models.AddRow([.. cells]);
        }
        AnsiConsole.Write(models);
    }

    private static string N(double value, string unit = "") => Markup.Escape(HtmlReport.Format(value, unit));
}
