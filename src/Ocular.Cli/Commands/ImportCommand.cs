using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Ocular.Torch.Nn;
using Ocular.Vision;
using Ocular.Vision.Models;
using Ocular.Vision.Models.TorchScript;
using Spectre.Console;

namespace Ocular.Cli.Commands;

/// <summary>
/// <c>ocular import --arch NAME --weights FILE.pth --out FILE.ocular</c>: turns PyTorch weights into an
/// Ocular classifier checkpoint. The state dict is loaded strictly into the zoo architecture (classes
/// and input channels read from the file unless given); a mismatch lists every key and fails unless
/// <c>--allow-partial</c>. The evaluation preprocessing (input size, resize, normalisation) and the class
/// names are recorded in the checkpoint's metadata, where <c>ocular predict</c> and the explainers find them.
/// </summary>
internal static class ImportCommand
{
    public static Command Create()
    {
        var arch = new Option<string?>("--arch") { Description = "the zoo architecture the weights are for (see `ocular models`)" };
        var weights = new Option<string?>("--weights") { Description = "the PyTorch file: torch.save(model.state_dict()), wrapped ({\"state_dict\": …}) or \"module.\"-prefixed" };
        var torchscript = new Option<string?>("--torchscript") { Description = "instead of --arch and --weights: any classifier exported with torch.jit.script or torch.jit.trace and saved with torch.jit.save (docs/models.md)" };
        var inChannels = new Option<int>("--in-channels") { Description = "with --torchscript: the input channels the model takes", DefaultValueFactory = _ => 3 };
        var output = new Option<string>("--out") { Description = "the Ocular checkpoint to write (written atomically)", Required = true };
        var classes = new Option<string?>("--classes") { Description = "a text file with one class name per line, in output order (as many as classes)" };
        var numClasses = new Option<int?>("--num-classes") { Description = "the number of classes (default: the rows of the file's final linear weight)" };
        var allowPartial = new Option<bool>("--allow-partial") { Description = "load the matching keys when others are missing, unexpected or wrongly shaped (they are listed as a warning)" };
        var preprocessing = new PreprocessingOptions("the architecture's", "round(input·256/224), 256 for 224", "ImageNet's for 3 channels; required otherwise");

        var command = new Command("import", "Turn PyTorch weights (.pth) or a TorchScript model (.pt) into an Ocular checkpoint with class names and preprocessing");
        command.Options.Add(arch);
        command.Options.Add(weights);
        command.Options.Add(torchscript);
        command.Options.Add(inChannels);
        command.Options.Add(output);
        command.Options.Add(classes);
        command.Options.Add(numClasses);
        preprocessing.AddTo(command);
        command.Options.Add(allowPartial);
        command.SetAction(parse =>
        {
            if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 160);
            var script = parse.GetValue(torchscript);
            if (script is not null)
            {
                if (parse.GetValue(arch) is not null || parse.GetValue(weights) is not null)
                    throw new ArgumentException("--torchscript imports a whole model: give it without --arch and --weights");
                RunTorchScript(script, parse.GetValue(output)!, parse.GetValue(classes), parse.GetValue(inChannels), preprocessing.Read(parse));
                return 0;
            }
            if (parse.GetValue(arch) is not { } name || parse.GetValue(weights) is not { } file)
                throw new ArgumentException("give --arch and --weights (a zoo architecture and its .pth weights), or --torchscript (any exported model)");
            Run(name, file, parse.GetValue(output)!, parse.GetValue(classes), parse.GetValue(numClasses), preprocessing.Read(parse), parse.GetValue(allowPartial));
            return 0;
        });
        return command;
    }

    private static void Run(string arch, string weights, string output, string? classesFile, int? numClasses,
                            (int? InputSize, int? ResizeSize, double[]? Mean, double[]? Std) flags, bool allowPartial)
    {
        var info = ModelZoo.Describe(arch);
        if (numClasses is < 1) throw new ArgumentException($"--num-classes must be positive, got {numClasses}");
        var names = classesFile is null ? null : ReadClassNames(classesFile);
        if (names is not null && numClasses is not null && names.Count != numClasses)
            throw new ArgumentException($"{classesFile} lists {names.Count} class names but --num-classes is {numClasses}");

        using var file = WeightsFile.Read(weights);
        // Classes: as given, else the rows of the file's head, else one per name, else the architecture's default.
        var classes = numClasses ?? PyTorchWeights.InferNumClasses(info, file.StateDict) ?? names?.Count ?? info.DefaultNumClasses;
        if (names is not null && names.Count != classes)
            throw new ArgumentException($"{classesFile} lists {names.Count} class names but the weights have {classes} classes (the rows of {info.HeadPath}.weight)");
        using var model = ModelZoo.Create(info.Name, classes, PyTorchWeights.InferInChannels(info, file.StateDict) ?? 3);
        var inputSize = flags.InputSize ?? model.DefaultInputSize;
        var resizeSize = flags.ResizeSize ?? PreprocessingOptions.ResizeFor(inputSize, PreprocessingOptions.ImageNetResizeRatio);
        PreprocessingOptions.CheckSizes(inputSize, resizeSize);
        var (mean, std) = Normalisation(flags.Mean, flags.Std, model.InChannels);

        WeightsLoadReport report;
        try
        {
            report = PyTorchWeights.Load(model, file, allowPartial, skipMismatchedHead: false);
        }
        catch (PartialWeightsException e)
        {
            ErrorConsole().Write(KeyTable(e.Report));
            // The keys are listed above; the error itself stays one line.
            throw new InvalidDataException(e.Summary + " (the keys are listed above)", e);
        }
        model.Eval();

        var metadata = new ClassifierMetadata
        {
            Architecture = model.Architecture,
            NumClasses = model.NumClasses,
            InChannels = model.InChannels,
            ClassNames = names ?? [],
            InputSize = inputSize,
            ResizeSize = resizeSize,
            Mean = mean,
            Std = std,
            Training = Provenance(report),
        };
        ClassifierCheckpoint.Save(output, model, metadata);

        if (!report.IsComplete)
        {
            var err = ErrorConsole();
            err.MarkupLine($"[yellow]warning:[/] {Markup.Escape($"--allow-partial: {report.LoadedKeys} of {report.ModelKeys} keys loaded from {weights}; these keep their initial values or were ignored:")}");
            err.Write(KeyTable(report.Keys));
        }
        PrintSummary(model, report, metadata, output);
    }

    // A TorchScript model: its archive and the preprocessing given (ImageNet's by default) in one checkpoint.
    private static void RunTorchScript(string path, string output, string? classesFile, int inChannels,
                                       (int? InputSize, int? ResizeSize, double[]? Mean, double[]? Std) flags)
    {
        if (inChannels < 1) throw new ArgumentException($"--in-channels must be positive, got {inChannels}");
        var inputSize = flags.InputSize ?? TorchScriptClassifier.DirectInputSize;
        var resizeSize = flags.ResizeSize ?? PreprocessingOptions.ResizeFor(inputSize, PreprocessingOptions.ImageNetResizeRatio);
        PreprocessingOptions.CheckSizes(inputSize, resizeSize);
        var (mean, std) = Normalisation(flags.Mean, flags.Std, inChannels);
        using var model = TorchScriptClassifier.Load(path, inputSize, inChannels);
        var names = classesFile is null ? null : ReadClassNames(classesFile);
        if (names is not null && names.Count != model.NumClasses)
            throw new ArgumentException($"{classesFile} lists {names.Count} class names but {path} returns {model.NumClasses} logits");
        var metadata = new ClassifierMetadata
        {
            Architecture = model.Architecture,
            NumClasses = model.NumClasses,
            InChannels = inChannels,
            ClassNames = names ?? [],
            InputSize = inputSize,
            ResizeSize = resizeSize,
            Mean = mean,
            Std = std,
            Training = new JsonObject { ["source"] = Path.GetFullPath(path), ["format"] = "torchscript" },
        };
        ClassifierCheckpoint.Save(output, model, metadata);
        AnsiConsole.MarkupLine($"[green]imported[/] {Markup.Escape(path)} → {Markup.Escape(output)}: {Markup.Escape(model.Architecture)}, " +
                               $"{model.NumClasses} classes, {model.FeatureMapLayers.Count} layers with feature maps (default {Markup.Escape(model.DefaultLayer)}), " +
                               $"input {inputSize}² (resize {resizeSize}), mean {string.Join(", ", mean.Select(PreprocessingOptions.Format))}, std {string.Join(", ", std.Select(PreprocessingOptions.Format))}");
    }

    private static List<string> ReadClassNames(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"class names file not found: {path}", path);
        var names = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        if (names.Count == 0) throw new InvalidDataException($"{path}: no class names (expected one per line)");
        var duplicate = names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidDataException($"{path}: the class name '{duplicate.Key}' appears {duplicate.Count()} times");
        return names;
    }

    private static (double[] Mean, double[] Std) Normalisation(double[]? mean, double[]? std, int channels)
    {
        if (channels == 3)
        {
            mean ??= ImageNormalization.ImageNet.Mean;
            std ??= ImageNormalization.ImageNet.Std;
        }
        else if (mean is null || std is null)
        {
            throw new ArgumentException($"the model has {channels} input channel{(channels == 1 ? "" : "s")}: give --mean and --std (ImageNet's defaults are for 3 channels)");
        }
        PreprocessingOptions.CheckChannels(mean, channels, "--mean");
        PreprocessingOptions.CheckChannels(std, channels, "--std");
        return (mean, std);
    }

    /// <summary>Where the weights came from, recorded as the checkpoint's training information.</summary>
    private static JsonObject Provenance(WeightsLoadReport report)
    {
        var source = report.Source;
        var json = new JsonObject
        {
            ["imported_from"] = Path.GetFullPath(source.Path),
            ["format"] = source.Format.ToString().ToLowerInvariant(),
        };
        if (source.WrapperKey is not null) json["wrapper_key"] = source.WrapperKey;
        if (source.StrippedPrefix is not null) json["stripped_prefix"] = source.StrippedPrefix;
        if (source.Extras.Count > 0)
        {
            var extras = new JsonObject();
            foreach (var (key, value) in source.Extras) extras[key] = ToJson(value);
            json["extras"] = extras;
        }
        if (source.Skipped.Count > 0) json["skipped"] = new JsonArray([.. source.Skipped.Select(s => JsonValue.Create(s))]);
        if (!report.IsComplete)
        {
            json["partial"] = new JsonObject
            {
                ["missing"] = new JsonArray([.. report.Keys.Missing.Select(k => JsonValue.Create(k))]),
                ["unexpected"] = new JsonArray([.. report.Keys.Unexpected.Select(k => JsonValue.Create(k))]),
                ["wrong_shape"] = new JsonArray([.. report.Keys.WrongShape.Select(w => JsonValue.Create(w.Key))]),
            };
        }
        return json;
    }

    // A .pth extra is a plain pickle value: numbers, strings, booleans and None become JSON; anything else its text.
    private static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        string s => s,
        bool b => b,
        long l => l,
        double d when double.IsFinite(d) => d,
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };

    private static Table KeyTable(StateDictReport report)
    {
        var count = report.Missing.Count + report.Unexpected.Count + report.WrongShape.Count;
        var table = new Table().Border(TableBorder.Rounded).Title($"{count} mismatched key{(count == 1 ? "" : "s")}")
            .AddColumn("key").AddColumn("problem").AddColumn("model").AddColumn("file");
        foreach (var k in report.Missing) table.AddRow(Markup.Escape(k), "missing from the file", "", "");
        foreach (var k in report.Unexpected) table.AddRow(Markup.Escape(k), "unexpected (not in the model)", "", "");
        foreach (var w in report.WrongShape)
            table.AddRow(Markup.Escape(w.Key), "wrong shape", Markup.Escape(Torch.Tensor.ShapeString(w.Expected)), Markup.Escape(Torch.Tensor.ShapeString(w.Found)));
        return table;
    }

    private static IAnsiConsole ErrorConsole()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        if (Console.IsErrorRedirected) console.Profile.Width = Math.Max(console.Profile.Width, 160);
        return console;
    }

    private static void PrintSummary(Classifier model, WeightsLoadReport report, ClassifierMetadata metadata, string output)
    {
        static string Join(IEnumerable<double> values) => string.Join(", ", values.Select(PreprocessingOptions.Format));
        var source = report.Source;
        var found = source.WrapperKey is null ? "at the top level" : $"under '{source.WrapperKey}'";
        if (source.StrippedPrefix is not null) found += $", '{source.StrippedPrefix}' prefix removed";
        var names = metadata.ClassNames.Count == 0
            ? "(no names: outputs are numbered)"
            : string.Join(", ", metadata.ClassNames.Take(8)) + (metadata.ClassNames.Count > 8 ? $", … ({metadata.ClassNames.Count - 8} more)" : "");

        var table = new Table().Border(TableBorder.Rounded).AddColumn("").AddColumn("");
        table.HideHeaders();
        table.AddRow("architecture", Markup.Escape(model.Architecture));
        table.AddRow("weights", Markup.Escape(source.Path));
        table.AddRow("state dict", Markup.Escape($"{source.Format}, {source.TensorCount} tensors {found}"));
        table.AddRow("keys loaded", $"{report.LoadedKeys} of {report.ModelKeys}" + (report.IsComplete ? " (all)" : " [yellow](partial)[/]"));
        if (source.Extras.Count > 0)
            table.AddRow("other entries", Markup.Escape(string.Join(", ", source.Extras.Select(kv => $"{kv.Key}={ToJson(kv.Value)?.ToJsonString() ?? "None"}"))));
        if (source.Skipped.Count > 0) table.AddRow("skipped (not weights)", Markup.Escape(string.Join(", ", source.Skipped)));
        table.AddRow("classes", Markup.Escape($"{metadata.NumClasses}: {names}"));
        table.AddRow("input", Markup.Escape($"{metadata.InChannels}×{metadata.InputSize}×{metadata.InputSize} (short side resized to {metadata.ResizeSize}, centre crop {metadata.InputSize})"));
        table.AddRow("normalisation", Markup.Escape($"mean [{Join(metadata.Mean)}], std [{Join(metadata.Std)}]"));
        table.AddRow("parameters", model.Parameters().Sum(p => p.NumEl).ToString("N0", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
        AnsiConsole.WriteLine($"wrote {output}");
    }
}
