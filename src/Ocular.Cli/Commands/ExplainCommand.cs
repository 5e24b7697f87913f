using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ocular.Explain;
using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Datasets;
using Ocular.Vision.Images;
using Ocular.Vision.Models;

namespace Ocular.Cli.Commands;

/// <summary>
/// <c>ocular explain</c>: saliency maps of a classifier checkpoint's decisions for one image or a folder of
/// images, by one or more methods of the <see cref="ExplainerRegistry"/>. Writes NAME.npy per method (float32
/// [rows, H, W], rows = images × targets per image, in sorted path order), overlays/, sheet.png and explain.json.
/// </summary>
internal static class ExplainCommand
{
    /// <summary>The most rows the contact sheet shows (it would grow unboundedly with the inputs).</summary>
    private const int SheetRowLimit = 100;

    public static Command Create()
    {
        var explainers = new ExplainerCliOptions();
        var model = new Option<string>("--model") { Description = "the classifier checkpoint (.ocular)", Required = true };
        var target = new Option<string>("--target") { Description = "predicted | a class index | a class name | top-K", DefaultValueFactory = _ => "predicted" };
        var input = new Option<string>("--input") { Description = "an image file, or a folder of images (searched recursively, sorted by path)", Required = true };
        var output = new Option<string>("--out") { Description = "the output folder", Required = true };
        var colormap = new Option<string>("--colormap") { Description = "overlay colour map: jet, inferno, viridis, turbo", DefaultValueFactory = _ => "jet" };
        var alpha = new Option<double>("--alpha") { Description = "the image's weight in the overlays, in [0, 1] (pytorch-grad-cam's image_weight)", DefaultValueFactory = _ => 0.5 };

        var command = new Command("explain", "Compute saliency maps of a classifier's decisions: .npy maps, overlays, a contact sheet and explain.json");
        command.Options.Add(model);
        explainers.AddTo(command);
        foreach (var o in new Option[] { target, input, output, colormap, alpha })
            command.Options.Add(o);
        command.SetAction(parse =>
        {
            var infos = explainers.ReadMethods(parse);
            var options = explainers.Read(parse);
            var a = parse.GetValue(alpha);
            if (a is < 0 or > 1 || double.IsNaN(a)) throw new ArgumentException($"--alpha must be in [0, 1], got {a.ToString(CultureInfo.InvariantCulture)}");
            Run(parse.GetValue(model)!, infos, options, TargetSelection.Parse(parse.GetValue(target)!),
                parse.GetValue(input)!, parse.GetValue(output)!, ParseColorMap(parse.GetValue(colormap)!), a);
            return 0;
        });
        return command;
    }

    private static ColorMap ParseColorMap(string name) =>
        Enum.TryParse<ColorMap>(name, ignoreCase: true, out var map) && Enum.IsDefined(map) && !int.TryParse(name, out _)
            ? map
            : throw new ArgumentException($"unknown --colormap '{name}': expected one of {string.Join(", ", Enum.GetNames<ColorMap>().Select(n => n.ToLowerInvariant()))}");

    /// <summary>The input images: the file itself, or every image under the folder (recursively), sorted by relative path (ordinal).</summary>
    private static List<(string Path, string Name)> FindInputs(string input)
    {
        if (File.Exists(input)) return [(input, Path.GetFileNameWithoutExtension(input))];
        if (!Directory.Exists(input)) throw new FileNotFoundException($"--input: no such file or folder: {input}", input);
        var files = Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories)
            .Where(f => ImageFolderDataset.DefaultExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Select(f => (Path: f, Relative: Path.GetRelativePath(input, f)))
            .OrderBy(f => f.Relative, StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
            throw new FileNotFoundException($"--input: no images in {input} (looked for {string.Join(", ", ImageFolderDataset.DefaultExtensions)})", input);
        // Overlay names: the relative path without extension, folders joined by '_'; with the extension where that clashes.
        string Stem(string relative) => Path.ChangeExtension(relative, null).Replace(Path.DirectorySeparatorChar, '_');
        var clashes = files.GroupBy(f => Stem(f.Relative)).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();
        return [.. files.Select(f => (f.Path, clashes.Contains(Stem(f.Relative)) ? f.Relative.Replace(Path.DirectorySeparatorChar, '_').Replace('.', '_') : Stem(f.Relative)))];
    }

    internal static void Run(string modelPath, IReadOnlyList<MethodChoice> infos, ExplainerOptions options, TargetSelection selection,
        string input, string outDir, ColorMap colorMap, double alpha)
    {
        using var loaded = ClassifierCheckpoint.Load(modelPath);
        var (model, meta) = (loaded.Model, loaded.Metadata);
        var classNames = Enumerable.Range(0, meta.NumClasses).Select(i => meta.ClassName(i)).ToList();
        Console.WriteLine($"model: {model.Architecture} ({modelPath}), {meta.NumClasses} classes, input {meta.InputSize}×{meta.InputSize}");

        var explainers = new List<IExplainer>();
        try
        {
            foreach (var info in infos)
            {
                var explainer = info.Create(model, options);
                explainers.Add(explainer);
                Console.WriteLine($"{info.Label}: {Describe(explainer, model, options)}");
            }
            if (ExplainerCliOptions.UpsampleNote(infos, options) is { } note) Console.WriteLine($"note: {note}");
            var inputs = FindInputs(input);
            Directory.CreateDirectory(outDir);
            var overlayDir = Path.Combine(outDir, "overlays");
            Directory.CreateDirectory(overlayDir);
            Explain(modelPath, model, meta, classNames, explainers, [.. infos.Select(i => i.Label)], selection, inputs, outDir, overlayDir, options.BatchSize, colorMap, alpha);
            // A prototype network explained with its words: which words, and the training patches they stand for.
            if (model is Vision.Models.Prototypes.PrototypeNetwork network && infos.Any(i => i.Info.Name == Ocular.Explain.Learned.Lvw.LvwExplainer.MethodName))
                foreach (var file in LvwWordsView.Write(modelPath, network, meta, inputs, outDir, SheetRowLimit))
                    Console.WriteLine($"wrote {file}");
        }
        finally
        {
            foreach (var e in explainers) e.Dispose();
        }
    }

    private static string Describe(IExplainer explainer, Classifier model, ExplainerOptions options)
    {
        var s = explainer.Settings;
        if (s.TryGetValue("layers", out var l) && l is string[] layers)
        {
            var isDefault = options.Layers is not { Count: > 0 };
            return $"layer{(layers.Length > 1 ? "s" : "")} {string.Join(", ", layers)}" +
                   (isDefault ? $" ({model.Architecture}'s default{(explainer.Name == "cam" ? " CAM" : "")} layer)" : "");
        }
        if (s.TryGetValue("top_words", out var top) && top is int words)
            return $"the {words} most similar words' similarity maps (OpenCV bicubic), pixel-wise max; lvw-words.html shows each image's words and their training patches";
        if (explainer.Name == "rise")
            return $"{options.RiseMasks} masks, grid {options.RiseGridSize}×{options.RiseGridSize}, p1 {options.RiseKeepProbability.ToString(CultureInfo.InvariantCulture)}, seed {options.Seed}";
        return "";
    }

    private static void Explain(string modelPath, Classifier model, ClassifierMetadata meta, IReadOnlyList<string> classNames, List<IExplainer> explainers, IReadOnlyList<string> labels,
        TargetSelection selection, List<(string Path, string Name)> inputs, string outDir, string overlayDir, int batchSize, ColorMap colorMap, double alpha)
    {
        var raw = meta.Preprocessing(normalise: false);
        var maps = explainers.Select(_ => new List<Tensor>()).ToList();
        var sheetRows = new List<Tensor>();
        var predictions = new JsonArray();
        var rows = new JsonArray();
        long height = 0, width = 0;
        try
        {
            for (var start = 0; start < inputs.Count; start += batchSize)
            {
                using var scope = DisposeScope.Enter();
                var chunk = inputs.Skip(start).Take(batchSize).ToList();
                // The preprocessed [0, 1] images (for the overlays) and the normalised model inputs.
                var images = Tensor.Stack([.. chunk.Select(f => raw.Apply(ImageIO.Read(f.Path, meta.ReadMode)))]);
                var x = meta.Normalization.Apply(images);
                (height, width) = (x.Size(2), x.Size(3));
                Tensor logits;
                using (Autograd.NoGrad()) logits = model.Call(x);
                var probabilities = Functional.Softmax(logits, 1);
                var predicted = logits.Argmax(1).ToArray<long>();
                var targets = selection.Resolve(logits, classNames);
                var k = targets.Size(0) / chunk.Count;
                var rowImage = Tensor.Arange(chunk.Count, ScalarType.Int64).Unsqueeze(1).Expand(chunk.Count, k).Reshape(-1);   // image of each map row
                var rowInputs = k == 1 ? x : x.IndexSelect(0, rowImage);
                var targetArray = targets.ToArray<long>();
                var targetProbabilities = probabilities.IndexSelect(0, rowImage).Gather(1, targets.Unsqueeze(1)).Squeeze(1).ToArray<float>();
                for (var i = 0; i < chunk.Count; i++)
                {
                    var p = probabilities.Select(0, i).Select(0, predicted[i]).Item<float>();
                    predictions.Add(new JsonObject { ["class"] = predicted[i], ["name"] = classNames[(int)predicted[i]], ["probability"] = Math.Round(p, 6) });
                }
                for (var r = 0; r < targetArray.Length; r++)
                    rows.Add(new JsonObject
                    {
                        ["input"] = start + r / (int)k, ["target"] = targetArray[r], ["target_name"] = classNames[(int)targetArray[r]],
                        ["target_probability"] = Math.Round(targetProbabilities[r], 6), ["rank"] = k == 1 ? null : JsonValue.Create(r % (int)k + 1),
                    });

                var overlays = new Tensor[targetArray.Length, explainers.Count];
                for (var m = 0; m < explainers.Count; m++)
                {
                    var batchMaps = explainers[m].Explain(rowInputs, targets);
                    maps[m].Add(DisposeScope.Detach(batchMaps));
                    for (var r = 0; r < targetArray.Length; r++)
                    {
                        var image = images.Select(0, r / (int)k);
                        if (image.Size(0) == 1) image = image.Expand(3, height, width);
                        var overlay = HeatmapOverlay.ShowCamOnImage(image, batchMaps.Select(0, r), colorMap, alpha);
                        var name = chunk[r / (int)k].Name;
                        var suffix = k == 1 ? "" : $"_top{r % k + 1}";
                        ImageIO.WritePng(Path.Combine(overlayDir, $"{name}_{labels[m]}{suffix}.png"), overlay);
                        overlays[r, m] = overlay;
                    }
                }
                for (var r = 0; r < targetArray.Length && sheetRows.Count < SheetRowLimit; r++)
                    sheetRows.Add(DisposeScope.Detach(Tensor.Cat([.. Enumerable.Range(0, explainers.Count).Select(m => overlays[r, m])], 2)));
            }

            var files = new JsonArray();
            for (var m = 0; m < explainers.Count; m++)
            {
                using var all = Tensor.Cat(maps[m], 0);
                var file = labels[m] + ".npy";
                Npy.Save(Path.Combine(outDir, file), all);
                var settings = JsonSerializer.SerializeToNode(explainers[m].Settings) ?? new JsonObject();
                files.Add(new JsonObject
                {
                    ["name"] = labels[m], ["method"] = explainers[m].Name, ["file"] = file, ["shape"] = new JsonArray([.. all.Shape.Select(s => (JsonNode)s)]),
                    ["layers"] = explainers[m].Settings.TryGetValue("layers", out var l) && l is string[] ls ? new JsonArray([.. ls.Select(s => (JsonNode)s)]) : new JsonArray(),
                    ["settings"] = settings,
                });
            }
            using (var sheet = Tensor.Cat(sheetRows, 1))
                ImageIO.WritePng(Path.Combine(outDir, "sheet.png"), sheet);

            var json = new JsonObject
            {
                ["format"] = "ocular.explain/1",
                ["model"] = new JsonObject
                {
                    ["path"] = Path.GetFullPath(modelPath), ["architecture"] = meta.Architecture, ["num_classes"] = meta.NumClasses,
                },
                ["preprocessing"] = new JsonObject
                {
                    ["read_mode"] = meta.ReadMode.ToString().ToLowerInvariant(), ["resize_size"] = meta.ResizeSize, ["input_size"] = meta.InputSize,
                    ["mean"] = new JsonArray([.. meta.Mean.Select(v => (JsonNode)v)]), ["std"] = new JsonArray([.. meta.Std.Select(v => (JsonNode)v)]),
                    ["steps"] = "resize short side (bilinear, antialiased), centre crop, scale to [0, 1], normalise; maps and overlays are at this resolution",
                },
                ["target"] = selection.ToString(),
                ["targets_per_image"] = rows.Count / Math.Max(1, inputs.Count),
                ["input_size"] = new JsonArray(height, width),
                ["inputs"] = new JsonArray([.. inputs.Select(f => (JsonNode)f.Path)]),
                ["predictions"] = predictions,
                ["rows"] = rows,
                ["methods"] = files,
                ["overlays"] = new JsonObject { ["folder"] = "overlays", ["colormap"] = colorMap.ToString().ToLowerInvariant(), ["image_weight"] = alpha },
                ["sheet"] = new JsonObject { ["file"] = "sheet.png", ["rows"] = sheetRows.Count, ["columns"] = new JsonArray([.. labels.Select(l => (JsonNode)l)]) },
            };
            AtomicFile.WriteAllText(Path.Combine(outDir, "explain.json"), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            Console.WriteLine($"explained {inputs.Count} image{(inputs.Count == 1 ? "" : "s")} ({rows.Count} map{(rows.Count == 1 ? "" : "s")} per method) → {outDir}: " +
                              $"{string.Join(", ", labels.Select(l => l + ".npy"))}, overlays/, sheet.png" +
                              (rows.Count > sheetRows.Count ? $" (first {sheetRows.Count} rows)" : "") + ", explain.json");
        }
        finally
        {
            foreach (var list in maps)
                foreach (var t in list) t.Dispose();
            foreach (var t in sheetRows) t.Dispose();
        }
    }
}
