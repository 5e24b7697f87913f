using System.Globalization;
using Ocular.Vision.Datasets.Coco;
using Ocular.Vision.Datasets.Shapes;
using Ocular.Vision.Datasets.VisualGenome;

namespace Ocular.Vision.Datasets;

/// <summary>The two splits every data-set specification provides.</summary>
public enum DataSplit
{
    /// <summary>The training split.</summary>
    Train,
    /// <summary>The test split.</summary>
    Test,
}

/// <summary>
/// One data-set syntax for every command: <c>shapes[:options]</c>, <c>fashion-mnist[:DIR]</c>,
/// <c>mnist:DIR</c>, <c>cifar10:DIR</c>, <c>cifar100:DIR</c>, <c>stl10:DIR</c>, <c>folder:ROOT</c>
/// (<c>train/</c> and <c>test/</c> inside), <c>list:ROOT,TRAIN.txt,TEST.txt</c>, and the concept data sets
/// <c>coco:ROOT[,train=NAME,test=NAME]</c> (MS COCO instances: <c>ROOT/NAME/</c> images with
/// <c>ROOT/annotations/instances_NAME.json</c>; train2017 and val2017 by default) and <c>vg:ROOT[,prepared=DIR]</c>
/// (Visual Genome after <c>ocular prepare vg --root ROOT</c>; a 90/10 split by image).
/// Shapes options: <c>count=N,test-count=N,classes=N,size=N,distractors=A-B,noise=S,seed=N</c>.
/// </summary>
public sealed class DataSpec
{
    /// <summary>The accepted forms, for error messages and help.</summary>
    public const string Accepted =
        "shapes[:count=N,test-count=N,classes=N,size=N,distractors=A-B,noise=S,seed=N], fashion-mnist[:DIR], mnist:DIR, " +
        "cifar10:DIR, cifar100:DIR, stl10:DIR, folder:ROOT (with train/ and test/), list:ROOT,TRAIN.txt,TEST.txt, " +
        "coco:ROOT[,train=train2017,test=val2017], vg:ROOT[,prepared=DIR]";

    /// <summary>The default number of Shapes test images.</summary>
    public const int DefaultShapesTestCount = 2_000;

    private readonly Func<DataSplit, IImageDataset> _open;

    private DataSpec(string text, string kind, Func<DataSplit, IImageDataset> open)
    {
        Text = text;
        Kind = kind;
        _open = open;
    }

    /// <summary>The specification as written.</summary>
    public string Text { get; }

    /// <summary>The data-set kind (<c>shapes</c>, <c>cifar10</c>, …).</summary>
    public string Kind { get; }

    /// <summary>Opens one split.</summary>
    public IImageDataset Open(DataSplit split) => _open(split);

    /// <summary>Opens one split of a data set with concept masks (<c>coco:</c>, <c>vg:</c>, <c>shapes</c>).</summary>
    /// <exception cref="DatasetException">The data set has no concept masks.</exception>
    public IConceptDataset OpenConcepts(DataSplit split) =>
        Open(split) as IConceptDataset
        ?? throw new DatasetException($"data set '{Text}' has no concept masks; concept data sets are coco:ROOT, vg:ROOT and shapes", null);

    /// <inheritdoc/>
    public override string ToString() => Text;

    /// <summary>Parses a specification; an unknown kind or a missing argument names what is accepted.</summary>
    public static DataSpec Parse(string text)
    {
        var trimmed = text.Trim();
        var colon = trimmed.IndexOf(':');
        var kind = (colon < 0 ? trimmed : trimmed[..colon]).ToLowerInvariant();
        var argument = colon < 0 ? null : trimmed[(colon + 1)..];
        string Required(string what) => string.IsNullOrWhiteSpace(argument)
            ? throw new FormatException($"data set '{text}': {kind} needs {what} ({kind}:{what}); accepted: {Accepted}")
            : argument!;

        return kind switch
        {
            "shapes" => Shapes(trimmed, argument),
            "fashion-mnist" => new(trimmed, kind, s => new FashionMnistDataset(argument, s == DataSplit.Train)),
            "mnist" => new(trimmed, kind, s => new MnistDataset(Required("DIR"), s == DataSplit.Train)),
            "cifar10" => new(trimmed, kind, s => new Cifar10Dataset(Required("DIR"), s == DataSplit.Train)),
            "cifar100" => new(trimmed, kind, s => new Cifar100Dataset(Required("DIR"), s == DataSplit.Train)),
            "stl10" => new(trimmed, kind, s => new Stl10Dataset(Required("DIR"), s == DataSplit.Train ? Stl10Split.Train : Stl10Split.Test)),
            "folder" => new(trimmed, kind, s => Folder(trimmed, Required("ROOT"), s)),
            "list" => List(trimmed, Required("ROOT,TRAIN.txt,TEST.txt")),
            "coco" => Coco(trimmed, Required("ROOT")),
            "vg" => VisualGenome(trimmed, Required("ROOT")),
            _ => throw new FormatException($"unknown data set '{text}'; accepted: {Accepted}"),
        };
    }

    // ROOT/train/<class>/… and ROOT/test/<class>/…: a root without the split folder says what it holds instead.
    private static ImageFolderDataset Folder(string text, string root, DataSplit split)
    {
        var name = split == DataSplit.Train ? "train" : "test";
        var full = Path.GetFullPath(root);
        if (Directory.Exists(full) && !Directory.Exists(Path.Combine(full, name)))
        {
            var found = Directory.EnumerateFileSystemEntries(full).Select(e => Path.GetFileName(e) + (Directory.Exists(e) ? "/" : ""))
                .Order(StringComparer.Ordinal).ToList();
            var listed = found.Count == 0 ? "nothing" : string.Join(", ", found.Take(8)) + (found.Count > 8 ? $", … ({found.Count} entries)" : "");
            throw new DatasetException($"data set '{text}': expected {full}/train/<class>/<image> and {full}/test/<class>/<image>, " +
                                       $"but there is no '{name}' folder; {full} holds: {listed}", full);
        }
        return new ImageFolderDataset(root, split: name);
    }

    private static DataSpec List(string text, string argument)
    {
        var parts = argument.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != 3 || parts.Any(p => p.Length == 0))
            throw new FormatException($"data set '{text}': expected list:ROOT,TRAIN.txt,TEST.txt");
        // Both lists are read once so that the two splits share one set of class names.
        var classes = Math.Max(MaxLabel(parts[1]), MaxLabel(parts[2])) + 1;
        return new(text, "list", s => new ImageListDataset(parts[0], s == DataSplit.Train ? parts[1] : parts[2], numClasses: classes));
    }

    // coco:ROOT[,train=NAME,test=NAME]: ROOT/NAME/ images and ROOT/annotations/instances_NAME.json, as the COCO zips unpack.
    private static DataSpec Coco(string text, string argument)
    {
        var (root, options) = RootAndOptions(text, argument, "coco", ["train", "test"]);
        var train = options.GetValueOrDefault("train", "train2017");
        var test = options.GetValueOrDefault("test", "val2017");
        return new(text, "coco", s =>
        {
            var name = s == DataSplit.Train ? train : test;
            return new CocoDataset(Path.Combine(root, name), Path.Combine(root, "annotations", $"instances_{name}.json"));
        });
    }

    // vg:ROOT[,prepared=DIR]: the images under ROOT, the files of `ocular prepare vg` in DIR (default ROOT).
    private static DataSpec VisualGenome(string text, string argument)
    {
        var (root, options) = RootAndOptions(text, argument, "vg", ["prepared"]);
        return new(text, "vg", s => new VisualGenomeDataset(root, s, options.GetValueOrDefault("prepared")));
    }

    // "ROOT,key=value,…" with the keys allowed: each key at most once, a non-empty value.
    private static (string Root, Dictionary<string, string> Options) RootAndOptions(string text, string argument, string kind, string[] keys)
    {
        var parts = argument.Split(',', StringSplitOptions.TrimEntries);
        if (parts[0].Length == 0) throw new FormatException($"data set '{text}': {kind} needs a ROOT folder first ({kind}:ROOT,…)");
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in parts.Skip(1))
        {
            var eq = item.IndexOf('=');
            var key = eq <= 0 ? item : item[..eq].ToLowerInvariant();
            if (eq <= 0 || !keys.Contains(key))
                throw new FormatException($"data set '{text}': '{item}' is not a {kind} option (accepted: {string.Join(", ", keys.Select(k => k + "=…"))})");
            if (eq == item.Length - 1) throw new FormatException($"data set '{text}': {kind} option {key} needs a value");
            if (!options.TryAdd(key, item[(eq + 1)..])) throw new FormatException($"data set '{text}': {kind} option {key} is given twice");
        }
        return (parts[0], options);
    }

    private static int MaxLabel(string listFile)
    {
        if (!File.Exists(listFile)) throw new DatasetException($"image list not found: {listFile}", listFile);
        var max = -1;
        foreach (var line in File.ReadLines(listFile))
        {
            var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 2 && int.TryParse(fields[^1], NumberStyles.None, CultureInfo.InvariantCulture, out var label)) max = Math.Max(max, label);
        }
        return max;
    }

    private static DataSpec Shapes(string text, string? argument)
    {
        var options = new ShapesOptions();
        var testCount = DefaultShapesTestCount;
        foreach (var item in (argument ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = item.IndexOf('=');
            if (eq <= 0) throw new FormatException($"data set '{text}': Shapes option '{item}' is not key=value");
            var (key, value) = (item[..eq].ToLowerInvariant(), item[(eq + 1)..]);
            int Int() => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v
                : throw new FormatException($"data set '{text}': Shapes option {key} needs a non-negative integer, got '{value}'");
            options = key switch
            {
                "count" => options with { Count = Int() },
                "classes" => options with { Classes = Int() },
                "size" => options with { ImageSize = Int() },
                "seed" => options with { Seed = (ulong)Int() },
                "noise" => options with { NoiseStd = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n : throw new FormatException($"data set '{text}': noise needs a number, got '{value}'") },
                "distractors" => Distractors(options, value, text),
                "test-count" => options,
                _ => throw new FormatException($"data set '{text}': unknown Shapes option '{key}' (accepted: count, test-count, classes, size, distractors, noise, seed)"),
            };
            if (key == "test-count") testCount = Int();
        }
        var train = options with { Split = ShapesSplit.Train };
        var test = options with { Split = ShapesSplit.Test, Count = testCount };
        return new(text, "shapes", s => new ShapesDataset(s == DataSplit.Train ? train : test));
    }

    private static ShapesOptions Distractors(ShapesOptions options, string value, string text)
    {
        var parts = value.Split('-');
        if (parts.Length is 1 or 2 && parts.All(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            var lo = int.Parse(parts[0], CultureInfo.InvariantCulture);
            var hi = int.Parse(parts[^1], CultureInfo.InvariantCulture);
            return options with { MinDistractors = lo, MaxDistractors = hi };
        }
        throw new FormatException($"data set '{text}': distractors needs N or A-B, got '{value}'");
    }
}
