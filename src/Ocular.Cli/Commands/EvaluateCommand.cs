using System.CommandLine;
using System.Globalization;
using Ocular.Evaluation;
using Ocular.Explain;
using Ocular.Evaluation.Reports;
using Ocular.Vision.Datasets;
using Ocular.Vision.Models;

namespace Ocular.Cli.Commands;

/// <summary>
/// <c>ocular evaluate</c>: scores saliency methods (explainers by name, or maps made elsewhere) on a
/// classifier and a data split under Ocular's metric conventions, prints the methods × metrics table and
/// writes results.json, results.csv and report.html. With <c>--nproc-per-node N</c>, or launched as several ranks, the
/// images are shared between the ranks and rank 0 writes the same files (docs/distributed.md).
/// </summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "the classifier checkpoint (.ocular)", Required = true };
        var data = new Option<string>("--data") { Description = $"the data set: {DataSpec.Accepted}", Required = true };
        var split = new Option<string>("--split") { Description = "train or test", DefaultValueFactory = _ => "test" };
        var limit = new Option<int?>("--limit") { Description = "evaluate only the first N images of the split" };
        var explainers = new ExplainerCliOptions("--methods", methodsRequired: false, defaultBatchSize: 8,
            seedDescription: "seed of ROAD's noise, the sanity check and stochastic methods (RISE, random)");
        var maps = new Option<string[]>("--maps") { Description = "maps made elsewhere: NAME=FILE.npy, float [N, H, W] in data-set order (repeatable)", AllowMultipleArgumentsPerToken = true };
        var metrics = new Option<string?>("--metrics") { Description = "metrics, comma-separated (default: " + string.Join(",", MetricCatalog.Defaults) + "); all: " + string.Join(", ", MetricCatalog.Names) };
        var keep = new Option<string>("--keep") { Description = "AD/IC/AG keep levels in % of pixels kept", DefaultValueFactory = _ => "100,50,15" };
        var step = new Option<int?>("--step") { Description = "deletion/insertion pixels per step (default: the input width, i.e. H steps; RISE's 224 at 224²)" };
        var road = new Option<string>("--road-percent") { Description = "ROAD percentages of pixels removed", DefaultValueFactory = _ => "10,20,30,40,50,70,90" };
        var chunkSize = new Option<int>("--chunk-size") { Description = "images explained and scored together (bounds memory)", DefaultValueFactory = _ => 32 };
        var normalize = new Option<bool>("--normalize-maps") { Description = "min–max normalise every map per image (otherwise maps outside [0, 1] are an error)" };
        var reference = new Option<string?>("--reference") { Description = "the method that iou and stability compare against" };
        var referenceModel = new Option<string?>("--reference-model") { Description = "compute the --reference method on this classifier (.ocular) for its own top-1 class, e.g. the base classifier's Grad-CAM for LVW's IoU" };
        var percentile = new Option<double>("--iou-percentile") { Description = "percentile at which iou binarises each map", DefaultValueFactory = _ => 50 };
        var sanityImages = new Option<int>("--sanity-images") { Description = "images used by the sanity check (it recomputes maps once per layer)", DefaultValueFactory = _ => 16 };
        var gallery = new Option<int>("--gallery") { Description = "images in the report's gallery", DefaultValueFactory = _ => 8 };
        var output = new Option<string>("--out") { Description = "output directory for results.json, results.csv and report.html", Required = true };
        var nprocPerNode = DistributedLaunch.NprocPerNodeOption("evaluate the images sharded");

        var command = new Command("evaluate", "Evaluate saliency methods on a classifier: faithfulness, localisation and sanity metrics, with a report");
        foreach (var o in new Option[] { model, data, split, limit })
            command.Options.Add(o);
        explainers.AddTo(command);
        foreach (var o in new Option[] { maps, metrics, keep, step, road, chunkSize, normalize, reference, referenceModel, percentile, sanityImages, gallery, output, nprocPerNode })
            command.Options.Add(o);
        command.SetAction(parse =>
        {
            if (DistributedLaunch.LaunchIfAsked(parse, nprocPerNode) is { } exitCode) return exitCode;
            var explainerOptions = explainers.Read(parse);
            var sources = new List<MethodSource>();
            var methods = explainers.ReadMethods(parse);
            var note = ExplainerCliOptions.UpsampleNote(methods, explainerOptions);
            foreach (var method in methods)
                sources.Add(MethodSource.Explainer(method.Label, m => method.Create(m, explainerOptions)));
            foreach (var spec in parse.GetValue(maps) ?? []) sources.Add(MethodSource.ParseMaps(spec));
            if (sources.Count == 0)
                throw new ArgumentException($"no method to evaluate: give --methods ({string.Join(", ", ExplainerRegistry.Names)}) and/or --maps NAME=FILE.npy");
            var metricText = parse.GetValue(metrics);
            var settings = new EvaluationSettings
            {
                Metrics = metricText is null ? null : MetricCatalog.Parse(metricText),
                KeepPercent = Integers(parse.GetValue(keep)!, "--keep"),
                Step = parse.GetValue(step),
                RoadPercent = Integers(parse.GetValue(road)!, "--road-percent"),
                Seed = explainerOptions.Seed,
                BatchSize = explainerOptions.BatchSize,
                ChunkSize = parse.GetValue(chunkSize),
                Limit = parse.GetValue(limit),
                NormalizeMaps = parse.GetValue(normalize),
                Reference = parse.GetValue(reference),
                IouPercentile = parse.GetValue(percentile),
                SanityImages = parse.GetValue(sanityImages),
                GalleryImages = parse.GetValue(gallery),
                Precision = explainerOptions.Precision,
            };
            settings.Validate();
            var splitValue = ParseSplit(parse.GetValue(split)!);
            var dataText = parse.GetValue(data)!;
            var dataset = DataSpec.Parse(dataText).Open(splitValue);
            var modelPath = parse.GetValue(model)!;
            using var loaded = ClassifierCheckpoint.Load(modelPath);
            using var referenceLoaded = parse.GetValue(referenceModel) is { } referencePath ? ClassifierCheckpoint.Load(referencePath) : null;
            if (referenceLoaded is not null)
            {
                var method = settings.Reference ?? throw new ArgumentException("--reference-model needs --reference METHOD: the method computed on that classifier (e.g. grad-cam)");
                var source = ReferenceModel.Source(method, Path.GetFileNameWithoutExtension(Path.GetDirectoryName(Path.GetFullPath(referenceLoaded.Path))) is { Length: > 0 } dir ? dir : "reference",
                    referenceLoaded.Model, referenceLoaded.Metadata, loaded.Metadata, explainerOptions);
                sources.Add(source);
                settings = settings with { Reference = source.Name };
            }
            var evaluator = new Evaluator(loaded.Model, loaded.Metadata);
            var info = new EvaluationRunInfo(modelPath, dataText, splitValue.ToString().ToLowerInvariant());
            // Sharded when launched as torchrun launches workers (WORLD_SIZE > 1; docs/distributed.md): every rank computes
            // its chunks and gets the whole result; rank 0 alone shows the progress and writes the outputs.
            using var group = DistributedLaunch.JoinGroup();
            if (group is { Rank: > 0 })
                evaluator.Run(dataset, sources, settings, info, group: group);
            else
            {
                if (note is not null) Console.WriteLine($"note: {note}");
                var result = EvaluateOutput.WithProgress(Math.Min(settings.Limit ?? dataset.Count, dataset.Count),
                    report => evaluator.Run(dataset, sources, settings, info, report, group));
                var files = EvaluationReport.Write(result, parse.GetValue(output)!);
                EvaluateOutput.PrintTable(result);
                foreach (var f in files) Console.WriteLine($"wrote {f}");
            }
            // Every rank's exit status says whether rank 0 wrote the outputs.
            group?.Barrier();
            return 0;
        });
        return command;
    }

    /// <summary>The value of <c>--split</c>: train or test (a one-line error otherwise).</summary>
    internal static DataSplit ParseSplit(string text) => text.Trim().ToLowerInvariant() switch
    {
        "test" => DataSplit.Test,
        "train" => DataSplit.Train,
        _ => throw new ArgumentException($"--split '{text}': expected train or test"),
    };

    private static int[] Integers(string text, string option)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var values = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out values[i]))
                throw new FormatException($"{option} '{text}': expected comma-separated whole numbers, e.g. 100,50,15");
        if (values.Length == 0) throw new FormatException($"{option}: at least one value is needed");
        return values;
    }
}
