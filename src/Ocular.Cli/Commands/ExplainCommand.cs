using System.CommandLine;
using System.Globalization;
using Ocular.Evaluation.Sharding;
using Ocular.Explain;
using Ocular.Torch;
using Ocular.Torch.Distributed;
using Ocular.Vision.Datasets;
using Ocular.Vision.Images;
using Ocular.Vision.Models;

namespace Ocular.Cli.Commands;

/// <summary>
/// <c>ocular explain</c>: saliency maps of a classifier checkpoint's decisions for one image or a folder of
/// images, by one or more methods of the <see cref="ExplainerRegistry"/>. Writes NAME.npy per method (float32
/// [rows, H, W], rows = images × targets per image, in sorted path order), overlays/, sheet.png and explain.json.
/// With <c>--nproc-per-node N</c>, or launched as several ranks, the batches are shared between the ranks and rank 0
/// writes the same files (docs/distributed.md).
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

        var nprocPerNode = DistributedLaunch.NprocPerNodeOption("explain the images sharded");

        var command = new Command("explain", "Compute saliency maps of a classifier's decisions: .npy maps, overlays, a contact sheet and explain.json");
        command.Options.Add(model);
        explainers.AddTo(command);
        foreach (var o in new Option[] { target, input, output, colormap, alpha, nprocPerNode })
            command.Options.Add(o);
        command.SetAction(parse =>
        {
            if (DistributedLaunch.LaunchIfAsked(parse, nprocPerNode) is { } exitCode) return exitCode;
            var infos = explainers.ReadMethods(parse);
            var options = explainers.Read(parse);
            var a = parse.GetValue(alpha);
            if (a is < 0 or > 1 || double.IsNaN(a)) throw new ArgumentException($"--alpha must be in [0, 1], got {a.ToString(CultureInfo.InvariantCulture)}");
            var selection = TargetSelection.Parse(parse.GetValue(target)!);
            var colorMap = ParseColorMap(parse.GetValue(colormap)!);
            // Sharded when launched as torchrun launches workers (WORLD_SIZE > 1; docs/distributed.md).
            using var group = DistributedLaunch.JoinGroup();
            Run(parse.GetValue(model)!, infos, options, selection, parse.GetValue(input)!, parse.GetValue(output)!, colorMap, a, group);
            // Every rank's exit status says whether rank 0 wrote the outputs.
            group?.Barrier();
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

    /// <summary>Explains the input's images; <paramref name="group"/>: the ranks sharing them, rank 0 alone printing and writing (null: this process alone).</summary>
    internal static void Run(string modelPath, IReadOnlyList<MethodChoice> infos, ExplainerOptions options, TargetSelection selection,
        string input, string outDir, ColorMap colorMap, double alpha, ProcessGroup? group = null)
    {
        var writes = group is not { Rank: > 0 };
        var output = writes ? Console.Out : TextWriter.Null;
        using var loaded = ClassifierCheckpoint.Load(modelPath);
        var (model, meta) = (loaded.Model, loaded.Metadata);
        var classNames = Enumerable.Range(0, meta.NumClasses).Select(i => meta.ClassName(i)).ToList();
        output.WriteLine($"model: {model.Architecture} ({modelPath}), {meta.NumClasses} classes, input {meta.InputSize}×{meta.InputSize}");

        var explainers = new List<IExplainer>();
        try
        {
            foreach (var info in infos)
            {
                var explainer = info.Create(model, options);
                explainers.Add(explainer);
                var precision = explainer.Settings.TryGetValue("precision", out var p) && p is "bf16" ? " (bf16)" : "";
                output.WriteLine($"{info.Label}: {Describe(explainer, model, options)}{precision}");
            }
            if (ExplainerCliOptions.UpsampleNote(infos, options) is { } note) output.WriteLine($"note: {note}");
            var inputs = FindInputs(input);
            if (writes) Directory.CreateDirectory(Path.Combine(outDir, "overlays"));
            Explain(modelPath, model, meta, classNames, explainers, [.. infos.Select(i => i.Label)], selection, inputs, outDir, options.BatchSize, colorMap, alpha, group);
            // A prototype network explained with its words: which words, and the training patches they stand for (rank 0 alone).
            if (writes && model is Vision.Models.Prototypes.PrototypeNetwork network && infos.Any(i => i.Info.Name == Ocular.Explain.Learned.Lvw.LvwExplainer.MethodName))
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

    /// <summary>
    /// Explains the inputs in batches and writes the outputs. Sharded (<paramref name="group"/> of several ranks,
    /// docs/distributed.md): the batches are dealt out as <see cref="ChunkShard"/> deals chunks — in round j, rank r
    /// explains batch j·W + r — each rank's batch of a round travels to the others, and rank 0 folds them in input order
    /// and writes exactly the files one process writes; the other ranks write nothing.
    /// </summary>
    private static void Explain(string modelPath, Classifier model, ClassifierMetadata meta, IReadOnlyList<string> classNames, List<IExplainer> explainers, IReadOnlyList<string> labels,
        TargetSelection selection, List<(string Path, string Name)> inputs, string outDir, int batchSize, ColorMap colorMap, double alpha, ProcessGroup? group)
    {
        var shard = new ChunkShard(inputs.Count, batchSize, group?.Rank ?? 0, group?.WorldSize ?? 1);
        using var files = shard.Rank == 0 ? new ExplainFiles(modelPath, meta, classNames, explainers, labels, selection, inputs, outDir, colorMap, alpha, SheetRowLimit) : null;
        var rowsDone = 0L;   // the rows the explainers have explained or skipped
        for (var round = 0; round < shard.Rounds; round++)
        {
            ExplainedBatch? mine = null;
            if (shard.ChunkIn(round) is { } batch)
            {
                var (start, count) = shard.Extent(batch);
                mine = ExplainBatch(model, meta, classNames, explainers, selection, inputs.GetRange(start, count), start, colorMap, alpha, ref rowsDone);
            }
            if (group is null || group.WorldSize == 1)
            {
                files!.Fold(mine!);
                continue;
            }
            byte[] payload;
            using (mine) payload = mine?.Encode() ?? [];
            foreach (var received in RankPayloads.AllGather(group, payload))
                if (files is not null && received.Length > 0) files.Fold(ExplainedBatch.Decode(received));
        }
        files?.Finish();
    }

    // One batch: the predictions, the targets, every method's maps and overlays (as PNGs).
    private static ExplainedBatch ExplainBatch(Classifier model, ClassifierMetadata meta, IReadOnlyList<string> classNames, List<IExplainer> explainers, TargetSelection selection,
        List<(string Path, string Name)> chunk, int start, ColorMap colorMap, double alpha, ref long rowsDone)
    {
        using var scope = DisposeScope.Enter();
        var raw = meta.Preprocessing(normalise: false);
        // The preprocessed [0, 1] images (for the overlays) and the normalised model inputs.
        var images = Tensor.Stack([.. chunk.Select(f => raw.Apply(ImageIO.Read(f.Path, meta.ReadMode)))]);
        var x = meta.Normalization.Apply(images);
        var (height, width) = (x.Size(2), x.Size(3));
        Tensor logits;
        using (Autograd.NoGrad()) logits = model.Call(x);
        var probabilities = Functional.Softmax(logits, 1);
        var predicted = logits.Argmax(1).ToArray<long>();
        var targets = selection.Resolve(logits, classNames);
        var k = (int)(targets.Size(0) / chunk.Count);
        var rowImage = Tensor.Arange(chunk.Count, ScalarType.Int64).Unsqueeze(1).Expand(chunk.Count, k).Reshape(-1);   // image of each map row
        var rowInputs = k == 1 ? x : x.IndexSelect(0, rowImage);
        var targetArray = targets.ToArray<long>();
        var targetProbabilities = probabilities.IndexSelect(0, rowImage).Gather(1, targets.Unsqueeze(1)).Squeeze(1).ToArray<float>();
        var predictedProbabilities = predicted.Select((c, i) => probabilities.Select(0, i).Select(0, c).Item<float>()).ToArray();

        // Explainers whose maps depend on the calls before (random) first skip the rows of the batches other ranks explain.
        var firstRow = (long)start * k;
        foreach (var e in explainers) e.SkipImages(firstRow - rowsDone, height, width);
        rowsDone = firstRow + targetArray.Length;
        var maps = new List<Tensor>();
        var overlays = new byte[targetArray.Length, explainers.Count][];
        for (var m = 0; m < explainers.Count; m++)
        {
            var batchMaps = explainers[m].Explain(rowInputs, targets);
            maps.Add(scope.Keep(batchMaps));
            for (var r = 0; r < targetArray.Length; r++)
            {
                var image = images.Select(0, r / k);
                if (image.Size(0) == 1) image = image.Expand(3, height, width);
                overlays[r, m] = ImageIO.EncodePng(HeatmapOverlay.ShowCamOnImage(image, batchMaps.Select(0, r), colorMap, alpha));
            }
        }
        return new ExplainedBatch
        {
            Start = start, Predicted = predicted, Probability = predictedProbabilities, Targets = targetArray, TargetProbability = targetProbabilities,
            RowsPerImage = k, Size = (height, width), Maps = maps, Overlays = overlays,
        };
    }
}
