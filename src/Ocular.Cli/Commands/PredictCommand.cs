using System.CommandLine;
using System.Globalization;
using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Datasets;
using Ocular.Vision.Images;
using Ocular.Vision.Models;
using Spectre.Console;

namespace Ocular.Cli.Commands;

/// <summary>
/// <c>ocular predict --model FILE.ocular --input FILE|DIR</c>: the top-k classes and their softmax
/// probabilities for each image, in sorted path order, and optionally the raw logits [N, K] as a float32
/// <c>.npy</c>. Images are read as the checkpoint's metadata says (RGB or grayscale) and preprocessed as
/// it records — resize the short side, centre-crop, normalise — unless flags override it.
/// </summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var modelPath = new Option<string>("--model") { Description = "an Ocular classifier checkpoint (from `ocular import` or `ocular train classifier`)", Required = true };
        var input = new Option<string>("--input") { Description = "an image file, or a folder whose image files (searched recursively) are predicted in sorted path order", Required = true };
        var topK = new Option<int>("--top-k") { Description = "the number of classes shown per image", DefaultValueFactory = _ => 5 };
        var logits = new Option<string?>("--logits") { Description = "write the raw logits [images, classes] to this float32 .npy file" };
        var batchSize = new Option<int>("--batch-size") { Description = "images per forward pass", DefaultValueFactory = _ => 16 };
        var preprocessing = new PreprocessingOptions("the checkpoint's", "the checkpoint's, scaled with --input-size", "the checkpoint's");
        // Logits are compared across machines and runs: float32 unless asked.
        var precision = new PrecisionOption(Precision.Fp32);

        var command = new Command("predict", "Print the top-k classes of images with a classifier checkpoint; optionally save the logits");
        command.Options.Add(modelPath);
        command.Options.Add(input);
        command.Options.Add(topK);
        command.Options.Add(logits);
        command.Options.Add(batchSize);
        command.Options.Add(precision.Option);
        preprocessing.AddTo(command);
        command.SetAction(parse =>
        {
            if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 160);
            Run(parse.GetValue(modelPath)!, parse.GetValue(input)!, parse.GetValue(topK), parse.GetValue(logits), parse.GetValue(batchSize), preprocessing.Read(parse),
                precision.Read(parse));
            return 0;
        });
        return command;
    }

    private static void Run(string modelPath, string input, int topK, string? logitsPath, int batchSize,
                            (int? InputSize, int? ResizeSize, double[]? Mean, double[]? Std) flags, ResolvedPrecision precision)
    {
        if (topK < 1) throw new ArgumentException($"--top-k must be positive, got {topK}");
        if (batchSize < 1) throw new ArgumentException($"--batch-size must be positive, got {batchSize}");
        var images = ImageFiles(input);
        if (!File.Exists(modelPath)) throw new FileNotFoundException($"model checkpoint not found: {modelPath}", modelPath);

        using var loaded = ClassifierCheckpoint.Load(modelPath);
        var metadata = Override(loaded.Metadata, flags);
        var preprocess = metadata.Preprocessing();
        var model = loaded.Model;
        model.ToChannelsLast();   // with channels-last inputs: no weight reorder per pass (values unchanged)
        var k = Math.Min(topK, metadata.NumClasses);

        var batches = new List<Tensor>();
        try
        {
            for (var start = 0; start < images.Count; start += batchSize)
            {
                var batch = images.Skip(start).Take(batchSize).ToList();
                using var scope = DisposeScope.Enter();
                using var inference = Autograd.InferenceMode();
                var inputs = batch.Select(image =>
                {
                    using var raw = ImageIO.Read(image.Path, metadata.ReadMode);
                    return preprocess.Apply(raw);
                }).ToList();
                using var x = Tensor.Stack(inputs);
                Tensor logits;
                try
                {
                    using (precision.Enter())
                        logits = model.Call(x.ToChannelsLast()).To(ScalarType.Float32);   // NHWC: oneDNN keeps activations NHWC
                }
                catch (TorchException e)
                {
                    throw new ArgumentException($"{metadata.Architecture} cannot run on a {metadata.InputSize}×{metadata.InputSize} input: {e.Message.Split('\n')[0]}", e);
                }
                using var probabilities = Functional.Softmax(logits, 1);
                var (values, indices) = probabilities.TopK(k, 1);
                var p = values.ToArray<float>();
                var c = indices.ToArray<long>();
                for (var i = 0; i < batch.Count; i++)
                    Print(batch[i].Name, metadata, p.AsSpan(i * k, k), c.AsSpan(i * k, k));
                if (logitsPath is not null) batches.Add(scope.Keep(logits));
            }
            if (logitsPath is not null)
            {
                using var all = Tensor.Cat(batches, 0);
                using var float32 = all.To(ScalarType.Float32);
                Npy.Save(logitsPath, float32);
                AnsiConsole.WriteLine($"wrote logits {Tensor.ShapeString(float32.Shape)} to {logitsPath}");
            }
        }
        finally
        {
            foreach (var t in batches) t.Dispose();
        }
    }

    /// <summary>The checkpoint's preprocessing with the flags applied; an input size alone keeps the checkpoint's resize/crop ratio.</summary>
    private static ClassifierMetadata Override(ClassifierMetadata metadata, (int? InputSize, int? ResizeSize, double[]? Mean, double[]? Std) flags)
    {
        var inputSize = flags.InputSize ?? metadata.InputSize;
        var resizeSize = flags.ResizeSize
            ?? (flags.InputSize is null ? metadata.ResizeSize : PreprocessingOptions.ResizeFor(inputSize, (double)metadata.ResizeSize / metadata.InputSize));
        PreprocessingOptions.CheckSizes(inputSize, resizeSize);
        var mean = flags.Mean ?? metadata.Mean;
        var std = flags.Std ?? metadata.Std;
        PreprocessingOptions.CheckChannels(mean, metadata.InChannels, "--mean");
        PreprocessingOptions.CheckChannels(std, metadata.InChannels, "--std");
        return metadata with { InputSize = inputSize, ResizeSize = resizeSize, Mean = mean, Std = std };
    }

    /// <summary>
    /// The images to predict: the file itself, or the image files under a folder (by extension, recursively),
    /// sorted ordinally by their path relative to it, which names them in the output.
    /// </summary>
    private static List<(string Path, string Name)> ImageFiles(string input)
    {
        if (File.Exists(input)) return [(input, input)];
        if (!Directory.Exists(input)) throw new FileNotFoundException($"input not found: {input} (expected an image file or a folder of images)", input);
        var extensions = ImageFolderDataset.DefaultExtensions;
        var files = Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories)
            .Where(f => extensions.Any(e => f.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
            .Select(f => (Path: f, Name: Path.GetRelativePath(input, f).Replace(Path.DirectorySeparatorChar, '/')))
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
            throw new FileNotFoundException($"no image files in {input} (looked for {string.Join(", ", extensions)}, in subfolders too)", input);
        return files;
    }

    private static void Print(string name, ClassifierMetadata metadata, ReadOnlySpan<float> probabilities, ReadOnlySpan<long> classes)
    {
        AnsiConsole.WriteLine(name);
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn(new TableColumn("rank").RightAligned()).AddColumn("class").AddColumn(new TableColumn("probability").RightAligned());
        for (var r = 0; r < probabilities.Length; r++)
            table.AddRow((r + 1).ToString(CultureInfo.InvariantCulture), Markup.Escape(metadata.ClassName(classes[r])),
                         probabilities[r].ToString("0.0000", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
    }
}
