using System.CommandLine;
using System.Globalization;
using Ocular.Torch;
using Ocular.Torch.Nn;
using Ocular.Vision.Models;
using Ocular.Vision.Models.TorchScript;
using Spectre.Console;

namespace Ocular.Cli.Commands;

/// <summary>
/// <c>ocular models</c>: the architectures of the zoo (name, parameters, input size, default layer);
/// <c>ocular models NAME</c>: every layer path of one architecture with its output shape, found by
/// running a forward pass on zeros with a hook on every layer.
/// </summary>
internal static class ModelsCommand
{
    public static Command Create()
    {
        var architecture = new Argument<string?>("architecture")
        {
            Description = "an architecture to list the layers of (e.g. resnet50, vgg16_bn, cifar_resnet110)",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var inputSize = new Option<int?>("--input-size") { Description = "the side of the square input (default: the architecture's)" };
        var numClasses = new Option<int?>("--num-classes") { Description = "the number of classes (default: the architecture's)" };
        var inChannels = new Option<int>("--in-channels") { Description = "input channels", DefaultValueFactory = _ => 3 };
        var modelFile = new Option<string?>("--model") { Description = "list the layers of this model instead: an Ocular checkpoint or a TorchScript file (.pt)" };
        var command = new Command("models", "List the architectures, or one architecture's or model's layer paths with their output shapes");
        command.Arguments.Add(architecture);
        command.Options.Add(modelFile);
        command.Options.Add(inputSize);
        command.Options.Add(numClasses);
        command.Options.Add(inChannels);
        command.SetAction(parse =>
        {
            if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 160);
            var name = parse.GetValue(architecture);
            var file = parse.GetValue(modelFile);
            if (file is not null && name is not null) throw new ArgumentException("give an architecture or --model, not both");
            if (file is not null) ListModel(file, parse.GetValue(inputSize));
            else if (name is null) ListArchitectures();
            else ListLayers(name, parse.GetValue(inputSize), parse.GetValue(numClasses), parse.GetValue(inChannels));
            return 0;
        });
        return command;
    }

    private static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static void ListArchitectures()
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("architecture").AddColumn("family").AddColumn(new TableColumn("parameters").RightAligned())
            .AddColumn(new TableColumn("input").RightAligned()).AddColumn("default layer").AddColumn("CAM layer");
        foreach (var a in ModelZoo.Architectures)
            table.AddRow(a.Name, a.Family, Count(a.ParameterCount()), $"{a.DefaultInputSize}", a.DefaultLayer, a.CamLayer ?? "—");
        AnsiConsole.Write(table);
        AnsiConsole.WriteLine("Parameters for the default number of classes (1000 ImageNet, 10 CIFAR and compact) and RGB input; " +
                              "cifar_resnet<depth> accepts any depth 6n + 2; lficam_<backbone> and abn_<backbone> any ResNet, CIFAR ResNet or compact_cnn (docs/lficam.md). " +
                              "`ocular models NAME` lists NAME's layers.");
    }

    // A checkpoint's or TorchScript file's layers: a TorchScript model's from its forward graph, a zoo model's by hooks.
    private static void ListModel(string path, int? inputSize)
    {
        using var loaded = ClassifierCheckpoint.Load(path);
        if (loaded.Model is not TorchScriptClassifier script)
        {
            ListLayers(loaded.Model, inputSize ?? loaded.Metadata.InputSize);
            return;
        }
        var size = inputSize ?? loaded.Metadata.InputSize;
        using var model = inputSize is null ? null : TorchScriptClassifier.Load(script.Script.ToArchive(), path, script.Architecture[TorchScriptClassifier.ArchitecturePrefix.Length..], size, script.InChannels);
        var listed = model ?? script;
        var calls = listed.Script.Layers().ToDictionary(c => c.Path);
        var single = calls.Values.Where(c => c.IsSingleCall).Select(c => c.Path).ToList();
        var shapes = new Dictionary<string, long[]>();
        using (Autograd.InferenceMode())
        using (var x = Tensor.Zeros([1, listed.InChannels, size, size]))
        using (var capture = listed.Script.Capture(single))
        {
            var outputs = capture.Run(x);
            for (var i = 0; i < single.Count; i++) shapes[single[i]] = outputs[i + 1].Shape;
            foreach (var o in outputs) o.Dispose();
        }
        var explainable = listed.FeatureMapLayers.ToHashSet();
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("layer").AddColumn("type").AddColumn("output shape").AddColumn("called").AddColumn("explainable").AddColumn(new TableColumn("parameters").RightAligned());
        foreach (var (path2, module) in listed.NamedModules().Skip(1))
        {
            var depth = path2.Count(c => c == '.');
            var type = module is ScriptLayer layer ? layer.ClassName : module.GetType().Name;
            var called = !calls.TryGetValue(path2, out var call) ? "never (or inlined)" : call.Position < 0 ? "in a loop or branch" : call.Calls == 1 ? "once" : $"{call.Calls}×";
            var output = shapes.TryGetValue(path2, out var shape) ? Tensor.ShapeString(shape) : "—";
            var parameters = module.Parameters().Sum(p => p.NumEl);
            table.AddRow(Markup.Escape(new string(' ', 2 * depth) + path2), Markup.Escape(type), Markup.Escape(output), called, explainable.Contains(path2) ? "yes" : "",
                parameters == 0 ? "" : Count(parameters));
        }
        AnsiConsole.Write(table);
        AnsiConsole.WriteLine($"{listed.Architecture} (TorchScript): {Count(listed.Parameters().Sum(p => p.NumEl))} parameters; input {Tensor.ShapeString([1, listed.InChannels, size, size])} → " +
                              $"{listed.NumClasses} logits; {explainable.Count} layers with feature maps, default {listed.DefaultLayer}; head {(listed.HeadPath.Length == 0 ? "none" : listed.HeadPath)}. " +
                              "Layers are the modules the forward pass calls once, outside loops and branches.");
    }

    private static void ListLayers(string name, int? inputSize, int? numClasses, int inChannels)
    {
        using var model = ModelZoo.Create(name, numClasses, inChannels);
        ListLayers(model, inputSize ?? model.DefaultInputSize);
    }

    private static void ListLayers(Classifier model, int size)
    {
        var inChannels = model.InChannels;
        model.Eval();
        var shapes = new Dictionary<string, (long[] Shape, int Calls)>();
        var hooks = new List<IDisposable>();
        foreach (var (path, module) in model.NamedModules().Skip(1))
        {
            hooks.Add(module.RegisterForwardHook((_, _, output) =>
            {
                shapes[path] = (output.Shape, shapes.TryGetValue(path, out var seen) ? seen.Calls + 1 : 1);
                return null;
            }));
        }
        long[] logitsShape;
        try
        {
            using (Autograd.InferenceMode())
            using (var x = Tensor.Zeros([1, inChannels, size, size], ScalarType.Float32))
            using (var logits = model.Call(x))
                logitsShape = logits.Shape;
        }
        catch (TorchException e)
        {
            throw new ArgumentException($"{model.Architecture} cannot run on a {size}×{size} input: {e.Message.Split('\n')[0]}", e);
        }
        finally
        {
            foreach (var hook in hooks) hook.Dispose();
        }

        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("layer").AddColumn("type").AddColumn("output shape").AddColumn(new TableColumn("parameters").RightAligned());
        foreach (var (path, module) in model.NamedModules().Skip(1))
        {
            var depth = path.Count(c => c == '.');
            var output = shapes.TryGetValue(path, out var s)
                ? Tensor.ShapeString(s.Shape) + (s.Calls > 1 ? $" (called {s.Calls}×)" : "")
                : "not run";
            var parameters = module.Parameters().Sum(p => p.NumEl);
            table.AddRow(Markup.Escape(new string(' ', 2 * depth) + path), module.GetType().Name, Markup.Escape(output), parameters == 0 ? "" : Count(parameters));
        }
        AnsiConsole.Write(table);
        AnsiConsole.WriteLine($"{model.Architecture}: {Count(model.Parameters().Sum(p => p.NumEl))} parameters; input {Tensor.ShapeString([1, inChannels, size, size])} → logits {Tensor.ShapeString(logitsShape)}; " +
                              $"default layer {model.DefaultLayer}; CAM layer {model.CamLayer ?? "none"}; head {model.HeadPath}");
    }
}
