using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Ocular.Vision.Datasets.VisualGenome;
using Spectre.Console;

namespace Ocular.Cli.Commands;

/// <summary>
/// <c>ocular prepare vg --root ROOT [--out DIR] [--min-images 100]</c>: the paper's Visual Genome preprocessing
/// (<see cref="VisualGenomePreparation"/>, lavise.md §3.2, §8.10), with its counts set against the paper's.
/// </summary>
internal static class PrepareCommand
{
    public static Command Create()
    {
        var command = new Command("prepare", "Prepare a published data set for use: vg (Visual Genome's objects and categories, as the LaViSE paper)");
        command.Subcommands.Add(VisualGenome());
        return command;
    }

    private static Command VisualGenome()
    {
        var root = new Option<string>("--root") { Description = "the Visual Genome folder: image_data.json, objects.json, VG_100K/, VG_100K_2/", Required = true };
        var output = new Option<string?>("--out") { Description = "where vg_objects.json and vg_labels.json go (default: the root; then use --data vg:ROOT,prepared=DIR)" };
        var minImages = new Option<int>("--min-images") { Description = "delete categories present in fewer images (the paper: 100)", DefaultValueFactory = _ => VisualGenomePreparationOptions.PaperMinImages };
        var multiWord = new Option<bool>("--keep-multi-word") { Description = "keep synsets whose lemma has several words (traffic_light.n.01 → 'traffic light'); the original's labels have none" };
        var command = new Command("vg", "Visual Genome as the LaViSE paper prepares it: box-able objects, categories merged by synset, instances merged per image, rare categories deleted");
        foreach (var o in new Option[] { root, output, minImages, multiWord }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            var min = parse.GetValue(minImages);
            if (min < 1) throw new ArgumentException($"--min-images must be at least 1, got {min}");
            var options = new VisualGenomePreparationOptions { MinImages = min, KeepMultiWordSynsets = parse.GetValue(multiWord) };
            var rootPath = parse.GetValue(root)!;
            var outPath = Path.GetFullPath(parse.GetValue(output) ?? rootPath);
            var counts = WithProgress(report => VisualGenomePreparation.Run(rootPath, outPath, options, report));
            Print(counts);
            Console.WriteLine($"wrote {Path.Combine(outPath, VisualGenomePreparation.ObjectsFileName)}");
            Console.WriteLine($"wrote {Path.Combine(outPath, VisualGenomePreparation.LabelsFileName)}");
            return 0;
        });
        return command;
    }

    // A bar per file read (by bytes) on a terminal; a line per phase, at most every 2 s, when stderr is redirected.
    private static T WithProgress<T>(Func<Action<string, long, long>, T> work)
    {
        if (Console.IsErrorRedirected)
        {
            var clock = Stopwatch.StartNew();
            var last = TimeSpan.FromSeconds(-10);
            string? lastPhase = null;
            var result = work((phase, done, total) =>
            {
                if (phase == lastPhase && clock.Elapsed - last < TimeSpan.FromSeconds(2)) return;
                last = clock.Elapsed;
                lastPhase = phase;
                var share = total > 0 ? $" {(100.0 * done / total).ToString("0", CultureInfo.InvariantCulture)} %" : "";
                Console.Error.WriteLine($"prepare vg: {phase}{share}");
            });
            Console.Error.WriteLine($"prepare vg: done in {clock.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s");
            return result;
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        var outcome = default(T);
        console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                outcome = work((phase, done, total) =>
                {
                    if (!tasks.TryGetValue(phase, out var task))
                    {
                        foreach (var previous in tasks.Values) previous.Value = previous.MaxValue;
                        tasks[phase] = task = ctx.AddTask(Markup.Escape(phase), maxValue: Math.Max(1, total));
                    }
                    task.Value = Math.Min(done, task.MaxValue);
                });
                foreach (var task in tasks.Values) task.Value = task.MaxValue;
            });
        return outcome!;
    }

    private static void Print(VisualGenomeCounts c)
    {
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 120);
        static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
        var table = new Table().AddColumns("", "this run", "the paper");
        table.AddRow("images in image_data.json", N(c.ImagesListed), "");
        table.AddRow("images with objects", N(c.ImagesWithObjects), "");
        table.AddRow("images with box-able objects", N(c.ImagesBoxable), N(VisualGenomeCounts.PaperImagesBoxable));
        table.AddRow("images kept", N(c.ImagesKept), N(VisualGenomeCounts.PaperImagesKept));
        table.AddRow("object names (distinct, lower case)", N(c.ObjectNames), $"{N(VisualGenomeCounts.PaperCategories)} categories (unit not stated)");
        table.AddRow("synsets of box-able objects", N(c.Synsets), "");
        table.AddRow("categories after the synset merge", N(c.Categories), "");
        table.AddRow($"categories in ≥ {N(c.MinImages)} images (kept)", N(c.CategoriesKept), N(VisualGenomeCounts.PaperCategoriesKept));
        table.AddRow("most categories in one image", N(c.MaxCategoriesPerImage), N(VisualGenomeCounts.PaperMaxCategoriesPerImage));
        table.AddRow("objects", N(c.Objects), "");
        table.AddRow("  without a synset (dropped)", N(c.ObjectsWithoutSynset), "");
        table.AddRow("  multi-word synset (dropped)", N(c.ObjectsMultiWord), "");
        table.AddRow("  empty box in the image (dropped)", N(c.ObjectsEmptyBox), "");
        table.AddRow("  kept (boxes of kept categories)", N(c.ObjectsKept), "");
        AnsiConsole.Write(table);
    }
}
