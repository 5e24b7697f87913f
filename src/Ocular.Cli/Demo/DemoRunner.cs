using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ocular.Cli.Commands;
using Ocular.Cli.Rendering;
using Ocular.Evaluation;
using Ocular.Evaluation.Reports;
using Ocular.Explain;
using Ocular.Explain.Learned.LCam;
using Ocular.Explain.Learned.Lavise;
using Ocular.Explain.Semantics;
using Ocular.Explain.Learned.Lvw;
using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Datasets;
using Ocular.Vision.Images;
using Ocular.Vision.Models;
using Ocular.Vision.Training;
using Spectre.Console;

namespace Ocular.Cli.Demo;

/// <summary>
/// <c>ocular demo</c> end to end, through the same library calls as the individual commands: the data, the
/// classifier's training (<see cref="ClassifierTrainer"/>), the learned explainers' training, maps of a few
/// test images by every method (<c>ocular explain</c>'s output), and the evaluation of every method by every
/// metric that applies (<see cref="Evaluator"/>, report.html). Everything goes under one output folder.
/// </summary>
internal sealed class DemoRunner(DemoSettings settings, string outputDirectory)
{
    /// <summary>The file that marks a folder as a demo's output (so that a rerun may replace it).</summary>
    public const string MarkerFile = "demo.json";

    private readonly List<(string Stage, double Seconds)> _times = [];
    private readonly Stopwatch _clock = new();
    private int _stage;

    // The LaViSE stages need concept masks (Shapes).
    private int Stages => settings.HasMasks ? 12 : 10;

    /// <summary>Runs every stage; returns the path of report.html.</summary>
    public string Run()
    {
        PrepareOutput();
        _clock.Start();

        using var data = Stage("data", () => OpenData());
        var classifier = Stage("train the classifier", () =>
            TrainingDisplay.Run(quiet: false, p => ClassifierTrainer.Train(settings.Classifier(Path.Combine(outputDirectory, "classifier")), p)));
        Console.WriteLine(TrainingText.Done(classifier));
        var modelPath = classifier.BestCheckpoint;

        // LFI-CAM and ABN: the same compact CNN and training with a built-in map, evaluated beside it (issue 14).
        var attention = new List<(string Method, TrainingResult Run)>();
        foreach (var method in DemoSettings.AttentionMethods)
        {
            var run = Stage($"train the {(method == "abn" ? "ABN" : "LFI-CAM")} classifier", () => TrainingDisplay.Run(quiet: false,
                p => ClassifierTrainer.Train(settings.AttentionClassifier(method, Path.Combine(outputDirectory, method)), p)));
            Console.WriteLine(TrainingText.Done(run));
            attention.Add((method, run));
        }

        var learned = new List<MethodChoice>();
        foreach (var variant in DemoSettings.LCamVariants)
        {
            var run = Stage($"train L-CAM-{(variant == "fm" ? "Fm" : "Img")}", () => TrainingDisplay.Run(quiet: false,
                p => LCamTrainer.Train(settings.LCam(variant, modelPath, Path.Combine(outputDirectory, $"l-cam-{variant}")), p)));
            Console.WriteLine(TrainingText.Done(run));
            learned.Add(new MethodChoice(ExplainerRegistry.Find(LCamExplainer.MethodName), run.BestCheckpoint, $"l-cam-{variant}"));
        }

        // Learnable Visual Words and ProtoPNet on the classifier (its trunk and, for LVW, its Grad-CAM maps), evaluated beside it (issue 15).
        var prototypes = new List<(string Mode, LvwTrainingResult Run)>();
        foreach (var mode in DemoSettings.PrototypeModes)
        {
            var run = Stage($"train {(mode == "lvw" ? "Learnable Visual Words" : "ProtoPNet")}", () => TrainingDisplay.Run(quiet: false,
                p => LvwTrainer.Train(settings.Prototypes(mode, modelPath, Path.Combine(outputDirectory, mode)), p)));
            Console.WriteLine(TrainingText.Done(run));
            prototypes.Add((mode, run));
        }

        // LaViSE (issue 16): the classifier's filters explained with words, on Shapes' concept masks.
        ExplainFiltersCommand.Outcome? filters = null;
        if (settings.HasMasks)
        {
            var run = Stage("train LaViSE's explainer of the classifier's filters", () =>
            {
                var vectors = DefaultWordVectors.Find(settings.WordVectors);
                if (vectors is null)
                {
                    Console.WriteLine("building the word vectors (fastText skip-gram on the WordNet glosses; once per machine)");
                    var built = DefaultWordVectors.Build(settings.WordVectors);
                    Console.WriteLine($"word vectors: {built.Words:N0} words × {built.Dimension} in {built.Seconds:F0} s → {built.Path}");
                    vectors = built.Path;
                }
                return TrainingDisplay.Run(quiet: false, p => LaviseTrainer.Train(settings.Lavise(modelPath, vectors, Path.Combine(outputDirectory, "lavise")), p));
            });
            Console.WriteLine(TrainingText.Done(run));
            filters = Stage("explain the classifier's filters with words", () => ExplainFiltersCommand.Run(new ExplainFiltersCommand.Request
            {
                Model = modelPath, Explainer = run.BestCheckpoint, Data = settings.DataSpec, Limit = settings.LaviseReferenceImages,
                Methods = settings.Quick ? [FilterMasking.FilterAttention] : [FilterMasking.FilterAttention, FilterMasking.ActivationMasking, FilterMasking.ImageMasking, FilterMasking.OriginalImage],
                StatisticsCache = Path.Combine(outputDirectory, "filter-statistics"), Output = Path.Combine(outputDirectory, "filters"),
            }, quiet: false));
            Console.WriteLine($"filters page: {Path.GetFullPath(filters.HtmlPath)}");
        }

        // Every registered method: the learned ones with the checkpoints just trained, then the post-hoc methods and the baselines.
        var methods = learned.Concat(ExplainerRegistry.Explainers.Where(i => i.Kind != "learned").Select(i => new MethodChoice(i, null, i.Name))).ToList();
        MethodChoice Choice(string name) => new(ExplainerRegistry.Find(name), null, name);
        var explained = methods.Where(m => m.Info.Kind != "baseline").ToList();
        Stage("explain test images with every method", () => Explain(data.Test, modelPath, explained));
        var result = Stage("evaluate every method", () =>
        {
            var main = Evaluate(data.Test, modelPath, methods);
            var others = attention.Select(a => (Tag: Vision.Models.Attention.AttentionArchitectures.Name("compact_cnn", a.Method),
                Result: Evaluate(data.Test, a.Run.BestCheckpoint, [Choice(a.Method), Choice("grad-cam")]))).ToList();
            others.AddRange(prototypes.Select(p => (Tag: ClassifierCheckpoint.ReadMetadata(p.Run.BestCheckpoint).Architecture,
                Result: Evaluate(data.Test, p.Run.BestCheckpoint, [Choice(LvwExplainer.MethodName), Choice("grad-cam")]))));
            var combined = CombinedModels.Add(main, others);
            return combined with
            {
                Notes = [.. combined.Notes, $"The LFI-CAM and ABN classifiers were trained like the compact CNN but on its first {settings.AttentionTrainImages} " +
                                            "training images (LFI-CAM's FIN costs about 5× the compact CNN's forward pass): compare their maps, not their accuracy " +
                                            "(docs/lficam.md has them trained alike).",
                                            $"The LVW and ProtoPNet networks were trained on the compact CNN's trunk (and, for LVW, its Grad-CAM maps) on the same " +
                                            $"first {settings.PrototypeTrainImages} training images, with a schedule of {settings.PrototypeEpochs} epochs instead of the original's 201 " +
                                            "(docs/lvw.md has longer runs); their lvw rows show the 10 most similar words' maps.",
                                            .. filters is null ? Array.Empty<string>() : [FiltersNote(filters)]],
            };
        });

        var files = EvaluationReport.Write(result, outputDirectory);
        WritePicture(result);
        EvaluateOutput.PrintTable(result);
        WriteMarker(classifier, attention, prototypes, result);
        var report = files.First(f => f.EndsWith(".html", StringComparison.Ordinal));
        Console.WriteLine();
        Console.WriteLine($"demo done in {_clock.Elapsed.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s ({string.Join(", ", _times.Select(t => $"{t.Stage} {t.Seconds.ToString("0", CultureInfo.InvariantCulture)} s"))})");
        Console.WriteLine($"report: {Path.GetFullPath(report)}");
        return report;
    }

    // One line on the LaViSE page for the report: where it is and the filter-attention recall beside the frequency baseline.
    private static string FiltersNote(ExplainFiltersCommand.Outcome filters)
    {
        var first = filters.Results[0];
        string Recall(IReadOnlyList<RecallRow> rows) => string.Join(" / ", rows[0].At.OrderBy(kv => kv.Key).Select(kv => kv.Value.ToString("F3", CultureInfo.InvariantCulture)));
        return $"LaViSE explained the classifier's {first.Filters.Count} block4 filters with words: filters/filters.html. Recall@5/10/20 of " +
               $"{first.Method.Name()} {Recall(first.Recall)} against the frequency baseline's {Recall(first.Baseline)} (docs/lavise.md).";
    }

    /// <summary>
    /// The output folder must be new, empty, or an earlier demo's (marked by <see cref="MarkerFile"/>), whose
    /// files are replaced; any other folder is refused, so that the demo never deletes a user's files.
    /// </summary>
    private void PrepareOutput()
    {
        if (Directory.Exists(outputDirectory) && Directory.EnumerateFileSystemEntries(outputDirectory).Any())
        {
            if (!File.Exists(Path.Combine(outputDirectory, MarkerFile)))
                throw new IOException($"--out {outputDirectory}: the folder exists and is not an Ocular demo's output (no {MarkerFile}); choose a new folder");
            Console.WriteLine($"replacing the earlier demo in {outputDirectory}");
            Directory.Delete(outputDirectory, recursive: true);
        }
        Directory.CreateDirectory(outputDirectory);
    }

    private T Stage<T>(string name, Func<T> work)
    {
        _stage++;
        var title = $"[{_stage}/{Stages}] {name}";
        if (Console.IsOutputRedirected) Console.WriteLine($"== {title}");
        else AnsiConsole.Write(new Rule($"[bold]{Markup.Escape(title)}[/]").LeftJustified());
        var start = _clock.Elapsed;
        var value = work();
        _times.Add((name, (_clock.Elapsed - start).TotalSeconds));
        return value;
    }

    private void Stage(string name, Action work) => Stage(name, () => { work(); return 0; });

    private sealed record DemoData(IImageDataset Train, IImageDataset Test) : IDisposable
    {
        public void Dispose()
        {
            (Train as IDisposable)?.Dispose();
            (Test as IDisposable)?.Dispose();
        }
    }

    private DemoData OpenData()
    {
        var spec = DataSpec.Parse(settings.DataSpec);
        var train = spec.Open(DataSplit.Train);
        var test = spec.Open(DataSplit.Test);
        Console.WriteLine($"{settings.DataSpec}: {train.Count} training and {test.Count} test images, {train.ClassNames.Count} classes ({string.Join(", ", train.ClassNames)})");
        return new DemoData(train, test);
    }

    /// <summary>Writes the first test images as PNG files and runs <c>ocular explain</c>'s pipeline on them.</summary>
    private void Explain(IImageDataset test, string modelPath, IReadOnlyList<MethodChoice> methods)
    {
        var samples = Path.Combine(outputDirectory, "samples");
        Directory.CreateDirectory(samples);
        for (var i = 0; i < Math.Min(settings.ExplainImages, test.Count); i++)
        {
            using var sample = test.Get(i);
            using var image = sample.Image.DType == ScalarType.UInt8 ? sample.Image.Clone() : sample.Image.Mul(255).Round().Clamp(0, 255).To(ScalarType.UInt8);
            // Class names become file names: "T-shirt/top" must not make a folder.
            var name = string.Concat(test.ClassNames[(int)sample.Label].Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_'));
            ImageIO.WritePng(Path.Combine(samples, $"{i:D2}_{name}.png"), image);
        }
        ExplainCommand.Run(modelPath, methods, settings.Explainers, TargetSelection.Predicted, samples,
            Path.Combine(outputDirectory, "explain"), ColorMap.Jet, 0.5);
    }

    private EvaluationResult Evaluate(IImageDataset test, string modelPath, IReadOnlyList<MethodChoice> methods)
    {
        using var loaded = ClassifierCheckpoint.Load(modelPath);
        var evaluator = new Evaluator(loaded.Model, loaded.Metadata);
        var explainerOptions = settings.Explainers;
        var sources = methods.Select(m => MethodSource.Explainer(m.Label, model => m.Create(model, explainerOptions))).ToList();
        var evaluation = new EvaluationSettings
        {
            Metrics = settings.Metrics,
            Seed = settings.Seed,
            Limit = settings.EvaluateImages,
            SanityImages = settings.SanityImages,
            RoadPercent = settings.RoadPercent,
            BatchSize = 32,
            GalleryImages = Math.Min(8, settings.EvaluateImages),
            Precision = settings.Precision,
        };
        var info = new EvaluationRunInfo(modelPath, settings.DataSpec, "test");
        return EvaluateOutput.WithProgress(Math.Min(settings.EvaluateImages, test.Count), report => evaluator.Run(test, sources, evaluation, info, report));
    }

    /// <summary>
    /// report.png: the results table (best of each column highlighted) above the contact sheet of the explained
    /// images — a picture of the report for places that show no HTML (the README's docs/demo-report.png).
    /// </summary>
    private void WritePicture(EvaluationResult result)
    {
        var header = new List<string> { "method" };
        header.AddRange(result.Columns.Select(c => $"{Ascii(c.Label)} {(c.Direction == MetricDirection.HigherIsBetter ? "+" : "-")}"));
        var best = result.Columns.Select(c => result.BestMethods(c.Key).ToHashSet()).ToList();
        var rows = result.Methods.Select(m => (IReadOnlyList<string>)[m.Name, .. result.Columns.Select(c => m.Summary.TryGetValue(c.Key, out var v) ? HtmlReport.Format(v, c.Unit) : "")]).ToList();
        var marks = result.Methods.Select((_, i) => (IReadOnlyList<bool>)[false, .. best.Select(b => b.Contains(i))]).ToList();
        var title = $"Ocular demo: {settings.DataSpec}, {result.Images.Count} test images, compact CNN (seed {settings.Seed})";
        using var table = TableImage.Render(title, header, rows, marks, "+ higher is better, - lower is better; the best of each column is highlighted. Below: maps of test images by every method.");
        using var sheet = ImageIO.Read(Path.Combine(outputDirectory, "explain", "sheet.png"));
        var explained = JsonNode.Parse(File.ReadAllText(Path.Combine(outputDirectory, "explain", "explain.json")))!["sheet"]!["columns"]!.AsArray().Select(n => Ascii((string)n!)).ToList();
        using var labelled = TableImage.LabelColumns(sheet, explained, scale: 2);
        using var picture = TableImage.StackVertically([table, labelled]);
        ImageIO.WritePng(Path.Combine(outputDirectory, "report.png"), picture);
    }

    // Hershey fonts draw ASCII only: "Sanity ρ" becomes "Sanity rho".
    private static string Ascii(string text) => text.Replace("ρ", "rho").Replace("×", "x").Replace("²", "^2");

    private JsonObject Record(TrainingResult run) => new()
    {
        ["checkpoint"] = Path.GetRelativePath(outputDirectory, run.BestCheckpoint),
        ["test_top1"] = run.BestTestTop1,
        ["selected_on"] = run.SelectedOn,
    };

    private void WriteMarker(TrainingResult classifier, IReadOnlyList<(string Method, TrainingResult Run)> attention,
        IReadOnlyList<(string Mode, LvwTrainingResult Run)> prototypes, EvaluationResult result)
    {
        var marker = new JsonObject
        {
            ["ocular"] = Engine.OcularVersion,
            ["libtorch"] = Engine.TorchVersion,
            ["data"] = settings.DataSpec,
            ["quick"] = settings.Quick,
            ["seed"] = settings.Seed,
            ["threads"] = settings.Threads,
            ["precision"] = settings.Precision.ToString().ToLowerInvariant(),
            ["scoring_precision"] = result.ScoringPrecision,
            ["classifier"] = Record(classifier),
            ["attention_classifiers"] = new JsonObject([.. attention.Select(a => KeyValuePair.Create(a.Method, (JsonNode?)Record(a.Run)))]),
            ["prototype_networks"] = new JsonObject([.. prototypes.Select(p => KeyValuePair.Create(p.Mode, (JsonNode?)new JsonObject
            {
                ["checkpoint"] = Path.GetRelativePath(outputDirectory, p.Run.BestCheckpoint),
                ["best_step"] = p.Run.BestStep,
                ["test_top1"] = p.Run.BestTestTop1,
                ["distinct_patches"] = p.Run.DistinctPatches,
            }))]),
            ["methods"] = new JsonArray([.. result.Methods.Select(m => (JsonNode)m.Name)]),
            ["stages"] = new JsonArray([.. _times.Select(t => (JsonNode)new JsonObject { ["stage"] = t.Stage, ["seconds"] = Math.Round(t.Seconds, 1) })]),
            ["seconds"] = Math.Round(_clock.Elapsed.TotalSeconds, 1),
        };
        AtomicFile.WriteAllText(Path.Combine(outputDirectory, MarkerFile), marker.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
