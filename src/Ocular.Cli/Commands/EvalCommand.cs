using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Datasets;
using Ocular.Vision.Images;
using Ocular.Vision.Models;
using Ocular.Vision.Training;
using Spectre.Console;

namespace Ocular.Cli.Commands;

/// <summary>
/// <c>ocular eval classifier</c>: top-1, top-5 and per-class accuracy of a classifier checkpoint on a data set's split;
/// writes the confusion matrix as CSV and PNG and the numbers as JSON.
/// </summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "the classifier checkpoint (.ocular)", Required = true };
        var data = new Option<string>("--data") { Description = $"the data set: {DataSpec.Accepted}", Required = true };
        var split = new Option<string>("--split") { Description = "test (default) or train", DefaultValueFactory = _ => "test" };
        split.AcceptOnlyFromAmong("test", "train");
        var output = new Option<string?>("--out") { Description = "where to write confusion-SPLIT.csv/.png and eval-SPLIT.json (default: the model's folder)" };
        var batchSize = new Option<int>("--batch-size") { Description = "images per batch", DefaultValueFactory = _ => 64 };
        var workers = new Option<int>("--workers") { Description = "data-loader worker threads", DefaultValueFactory = _ => 2 };
        // Accuracies are reported and compared across machines: float32 unless asked.
        var precision = new PrecisionOption(Precision.Fp32);
        var classifier = new Command("classifier", "Evaluate a classifier: top-1, top-5, per-class accuracy and the confusion matrix (CSV and PNG)");
        foreach (var o in new Option[] { model, data, split, output, batchSize, workers, precision.Option }) classifier.Options.Add(o);
        classifier.SetAction(parse => Run(parse.GetValue(model)!, parse.GetValue(data)!, parse.GetValue(split)!, parse.GetValue(output),
            parse.GetValue(batchSize), parse.GetValue(workers), precision.Read(parse)));
        var eval = new Command("eval", "Evaluate models (classifier)");
        eval.Subcommands.Add(classifier);
        return eval;
    }

    private static int Run(string modelPath, string dataSpec, string split, string? outDir, int batchSize, int workers, ResolvedPrecision precision)
    {
        if (batchSize < 1) throw new ArgumentException($"--batch-size must be at least 1, got {batchSize}");
        if (workers < 0) throw new ArgumentException($"--workers must not be negative, got {workers}");
        var spec = DataSpec.Parse(dataSpec);
        if (!File.Exists(modelPath)) throw new FileNotFoundException($"model not found: {modelPath}", modelPath);
        using var loaded = ClassifierCheckpoint.Load(modelPath);
        var dataset = spec.Open(split == "train" ? DataSplit.Train : DataSplit.Test);
        var metadata = loaded.Metadata;
        if (metadata.ClassNames.Count == dataset.ClassNames.Count && !metadata.ClassNames.SequenceEqual(dataset.ClassNames))
            Console.Error.WriteLine($"ocular: warning: the model's class names ({string.Join(", ", metadata.ClassNames.Take(6))}, …) differ from the data set's ({string.Join(", ", dataset.ClassNames.Take(6))}, …)");

        loaded.Model.ToChannelsLast();   // ClassifierEvaluation feeds channels-last inputs: no weight reorder per pass (values unchanged)
        var result = ClassifierEvaluation.Evaluate(loaded.Model, dataset, metadata.Preprocessing(), batchSize, workers, precision: precision);

        var dir = outDir ?? Path.GetDirectoryName(Path.GetFullPath(modelPath))!;
        Directory.CreateDirectory(dir);
        var csv = Path.Combine(dir, $"confusion-{split}.csv");
        var png = Path.Combine(dir, $"confusion-{split}.png");
        var json = Path.Combine(dir, $"eval-{split}.json");
        result.WriteConfusionCsv(csv);
        using (var picture = ConfusionMatrixImage.Render(result.Confusion, result.ClassNames))
            ImageIO.WritePng(png, picture);
        AtomicFile.WriteAllText(json, Summary(result, modelPath, spec.Text, split, precision.Name).ToJsonString(new() { WriteIndented = true }) + "\n");

        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 120);
        var inv = CultureInfo.InvariantCulture;
        Console.Out.WriteLine($"{modelPath} ({metadata.Architecture}, {metadata.NumClasses} classes) on {spec.Text} {split}: {result.Count} images");
        Console.Out.WriteLine(string.Create(inv, $"top-1 {result.Top1:F2}%  top-5 {result.Top5:F2}%  loss {result.Loss:F4}"));
        var table = new Table().Border(TableBorder.Rounded).AddColumn("class").AddColumn("name")
            .AddColumn(new TableColumn("images").RightAligned()).AddColumn(new TableColumn("correct").RightAligned()).AddColumn(new TableColumn("accuracy").RightAligned());
        for (var k = 0; k < result.ClassNames.Count; k++)
        {
            var accuracy = result.ClassAccuracy(k);
            table.AddRow(k.ToString(inv), Markup.Escape(result.ClassNames[k]), result.Support(k).ToString(inv), result.Confusion[k, k].ToString(inv),
                double.IsNaN(accuracy) ? "—" : accuracy.ToString("F2", inv) + "%");
        }
        AnsiConsole.Write(table);
        Console.Out.WriteLine($"wrote {csv}, {png}, {json}");
        return 0;
    }

    private static JsonObject Summary(ClassifierEvaluationResult r, string model, string data, string split, string precision)
    {
        var perClass = new JsonArray();
        for (var k = 0; k < r.ClassNames.Count; k++)
        {
            var accuracy = r.ClassAccuracy(k);
            perClass.Add(new JsonObject
            {
                ["class"] = k, ["name"] = r.ClassNames[k], ["images"] = r.Support(k), ["correct"] = r.Confusion[k, k],
                ["accuracy"] = double.IsNaN(accuracy) ? null : accuracy,
            });
        }
        return new JsonObject
        {
            ["model"] = model, ["data"] = data, ["split"] = split, ["precision"] = precision, ["images"] = r.Count,
            ["top1"] = r.Top1, ["top5"] = r.Top5, ["loss"] = r.Loss, ["per_class"] = perClass,
        };
    }
}
