using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Ocular.Evaluation.Reports;
using Ocular.Explain.Learned.Lvw;
using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Datasets;
using Ocular.Vision.Images;
using Ocular.Vision.Models;
using Ocular.Vision.Models.Prototypes;
using Spectre.Console;

namespace Ocular.Cli.Commands;

/// <summary>
/// <c>ocular words --model RUN/best.ocular --out DIR</c>: every word of a trained prototype network (LVW, ProtoPNet) —
/// the training patch it was pushed onto, the classes that use it and how many images activate it — as
/// <c>words.html</c>, <c>words.json</c> and a table of the most used words.
/// </summary>
internal static class WordsCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "a trained prototype network (ocular train lvw's best.ocular or push-EPOCH.ocular)", Required = true };
        var data = new Option<string?>("--data") { Description = $"the images whose top-10 words are counted (default: the run's data set): {DataSpec.Accepted}" };
        var split = new Option<string>("--split") { Description = "train or test", DefaultValueFactory = _ => "test" };
        var limit = new Option<int?>("--limit") { Description = "count over the first N images of the split (default all)" };
        var trainData = new Option<string?>("--train-data") { Description = "the training data set the words were pushed from (default: the run's, from the checkpoint)" };
        var batchSize = new Option<int>("--batch-size") { Description = "images per forward pass", DefaultValueFactory = _ => 32 };
        var output = new Option<string>("--out") { Description = "output directory for words.html and words.json", Required = true };
        var command = new Command("words", "List the visual words of an LVW or ProtoPNet network: source patches, the classes that use them, how many images activate them");
        foreach (var o in new Option[] { model, data, split, limit, trainData, batchSize, output }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 160);
            Run(parse.GetValue(model)!, parse.GetValue(data), EvaluateCommand.ParseSplit(parse.GetValue(split)!), parse.GetValue(limit), parse.GetValue(trainData),
                parse.GetValue(batchSize), parse.GetValue(output)!);
            return 0;
        });
        return command;
    }

    private static void Run(string modelPath, string? dataText, DataSplit split, int? limit, string? trainDataText, int batchSize, string output)
    {
        if (batchSize < 1) throw new ArgumentException($"--batch-size must be positive, got {batchSize}");
        if (limit is < 1) throw new ArgumentException($"--limit must be at least 1, got {limit}");
        if (!File.Exists(modelPath)) throw new FileNotFoundException($"--model: no such checkpoint: {modelPath}", modelPath);
        using var loaded = ClassifierCheckpoint.Load(modelPath);
        var network = loaded.Model as PrototypeNetwork
            ?? throw new ArgumentException($"{modelPath} is a {loaded.Model.Architecture}, not a prototype network (lvw_*, protopnet_*); train one with `ocular train lvw`");
        var meta = loaded.Metadata;
        var sources = WordSources.Open(modelPath, meta, network, trainDataText);
        var push = sources.Push;
        var usageSpec = DataSpec.Parse(dataText ?? sources.TrainData);
        var usageData = usageSpec.Open(split);
        if (limit is { } n && n < usageData.Count) usageData = new FirstImages(usageData, n);
        if (usageData.ClassNames.Count != network.NumClasses)
            throw new DatasetException($"'{usageSpec}' has {usageData.ClassNames.Count} classes but {modelPath} has {network.NumClasses}", null);

        var usage = AnsiConsole.Progress().AutoClear(true).Start(ctx =>
        {
            var task = ctx.AddTask($"counting the words of {usageData.Count} images", maxValue: usageData.Count);
            return WordCatalog.Usage(network, usageData, meta.Preprocessing(), batchSize, 2, (done, _) => task.Value = done);
        });

        var entries = push.Words.Select(source => new WordEntry(source.Word, source.Path ?? $"#{source.Image}", sources.ClassName(source.Label),
            [.. WordCatalog.Classes(network, source.Word).Select(c => (sources.ClassName(c.Class), c.Weight))], usage[source.Word].TopImages, usage[source.Word].MeanScore,
            sources.SourceOverlayPng(network, source.Word), sources.PatchPng(source.Word))).ToList();
        var ordered = entries.OrderByDescending(e => e.TopImages).ThenBy(e => e.Word).ToList();

        Directory.CreateDirectory(output);
        var title = $"Ocular words — {network.Architecture} ({network.NumWords} words × {network.Dimension}), counted on {usageSpec} {split.ToString().ToLowerInvariant()} ({usageData.Count} images)";
        var notes = new List<string>
        {
            $"the last push placed the {network.NumWords} words on {push.DistinctPatches} distinct training patches",
            $"a word counts for an image when it is among the image's {WordCatalog.TopWords} highest-scoring words (the lvw explanation's words)",
            "patch: the box around the word's similarity on its source image at or above the 95th percentile (ProtoPNet's prototype image)",
        };
        var htmlPath = Path.Combine(output, "words.html");
        AtomicFile.WriteAllText(htmlPath, WordsHtml.Render(title, notes, ordered));
        var jsonPath = Path.Combine(output, "words.json");
        AtomicFile.WriteAllText(jsonPath, JsonSerializer.Serialize(new
        {
            format = "ocular.words/1",
            model = Path.GetFullPath(modelPath),
            architecture = network.Architecture,
            distinct_patches = push.DistinctPatches,
            images = usageData.Count,
            words = ordered.Select(e => new
            {
                word = e.Word,
                source = push.Words[e.Word],
                source_class = e.SourceClass,
                classes = e.Classes.Select(c => new { name = c.Class, weight = c.Weight }),
                top_images = e.TopImages,
                mean_score = e.MeanScore,
            }),
        }, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));

        var table = new Table().AddColumns("word", "pushed onto", "classes (weight)", $"images with it in their top {WordCatalog.TopWords}", "mean score");
        foreach (var e in ordered.Take(15))
            table.AddRow(e.Word.ToString(CultureInfo.InvariantCulture), Markup.Escape($"{e.SourceImage} ({e.SourceClass})"),
                Markup.Escape(string.Join(", ", e.Classes.Select(c => $"{c.Class} {c.Weight.ToString("F2", CultureInfo.InvariantCulture)}"))),
                e.TopImages.ToString(CultureInfo.InvariantCulture), e.MeanScore.ToString("F3", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
        Console.WriteLine($"{network.NumWords} words on {push.DistinctPatches} distinct patches; {ordered.Count(e => e.TopImages == 0)} never among an image's top {WordCatalog.TopWords}");
        Console.WriteLine($"wrote {htmlPath}");
        Console.WriteLine($"wrote {jsonPath}");
    }
}
