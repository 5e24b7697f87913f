using System.CommandLine;
using Ocular.Evaluation.Metrics;
using Ocular.Evaluation.Reports;
using Ocular.Evaluation.Stability;
using Ocular.Explain;
using Ocular.Vision.Datasets;

namespace Ocular.Cli.Commands;

/// <summary>
/// <c>ocular stability</c>: LFI-CAM's stability study (docs/lficam.md, reference lfi-cam.md §5.3): N ≥ 2 models of one
/// method explain the same images; every pair's maps are compared by IoU and Dice image by image; optionally every
/// model is attacked with FGSM. Prints the pairs and models tables and writes results.json, results.csv and report.html.
/// </summary>
internal static class StabilityCommand
{
    public static Command Create()
    {
        var models = new Option<string[]>("--models")
        {
            Description = "the models: .ocular checkpoints or training run directories (their best.ocular), separated by spaces or commas; at least 2",
            Required = true, AllowMultipleArgumentsPerToken = true, Arity = ArgumentArity.OneOrMore,
        };
        var method = new Option<string?>("--method")
        {
            Description = $"the method whose maps are compared (default: lfi-cam for lficam_* models, abn for abn_* models; otherwise required): {string.Join(", ", ExplainerRegistry.Names)}",
        };
        var layer = new Option<string?>("--layer") { Description = "layer path(s) the CAM family explains at, comma-separated (default: the architecture's)" };
        var data = new Option<string?>("--data") { Description = $"the data set (default: the one the models record in training.options.data): {DataSpec.Accepted}" };
        var split = new Option<string>("--split") { Description = "test (default) or train", DefaultValueFactory = _ => "test" };
        var images = new Option<int?>("--images") { Description = "explain only the first N images of the split" };
        var threshold = new Option<int>("--threshold") { Description = "binarisation threshold t on the 0–255 scale (maps > t/255, or > t for original-uint8)", DefaultValueFactory = _ => 100 };
        var iouMode = new Option<string>("--iou-mode") { Description = "per-image (Ocular) or per-row-original (utils/metrics.py: mean of per-row IoUs)", DefaultValueFactory = _ => StabilityModeNames.IoUModes[0] };
        var export = new Option<string>("--export") { Description = "float (Ocular) or original-uint8 (the original's ×255 → PNG → min–max ×256 → uint8 chain)", DefaultValueFactory = _ => StabilityModeNames.Exports[0] };
        var batchSize = new Option<int>("--batch-size") { Description = "images explained together by each model", DefaultValueFactory = _ => 16 };
        var seed = new Option<ulong>("--seed") { Description = "seed of stochastic methods (RISE, random)", DefaultValueFactory = _ => 0 };
        var fgsm = new Option<double?>("--fgsm") { Description = $"also attack every model with FGSM of this ε in raw [0, 1] pixels (the paper's is {Fgsm.PaperEpsilon}); default off" };
        var output = new Option<string>("--out") { Description = "output directory for results.json, results.csv and report.html", Required = true };

        var command = new Command("stability", "Stability study (LFI-CAM §5.3): IoU of the maps of N models of one method on the same images, pair by pair; optional FGSM");
        foreach (var o in new Option[] { models, method, layer, data, split, images, threshold, iouMode, export, batchSize, seed, fgsm, output })
            command.Options.Add(o);
        command.SetAction(parse =>
        {
            var options = new StabilityOptions
            {
                Models = [.. (parse.GetValue(models) ?? []).SelectMany(m => ExplainerCliOptions.Split(m) ?? [])],
                Method = parse.GetValue(method),
                Explainer = new ExplainerOptions { Layers = ExplainerCliOptions.Split(parse.GetValue(layer)), Seed = parse.GetValue(seed) },
                Data = parse.GetValue(data),
                Split = EvaluateCommand.ParseSplit(parse.GetValue(split)!),
                Images = parse.GetValue(images),
                Threshold = parse.GetValue(threshold),
                IoUMode = StabilityModeNames.ParseIoUMode(parse.GetValue(iouMode)!),
                Export = StabilityModeNames.ParseExport(parse.GetValue(export)!),
                BatchSize = parse.GetValue(batchSize),
                FgsmEpsilon = parse.GetValue(fgsm),
            };
            options.Validate();
            var result = EvaluateOutput.WithProgress(0, report => StabilityStudy.Run(options, report), "stability");
            foreach (var warning in result.Warnings) Console.Error.WriteLine($"ocular: warning: {warning}");
            var files = StabilityReport.Write(result, parse.GetValue(output)!);
            StabilityOutput.Print(result);
            foreach (var f in files) Console.WriteLine($"wrote {f}");
            return 0;
        });
        return command;
    }
}
