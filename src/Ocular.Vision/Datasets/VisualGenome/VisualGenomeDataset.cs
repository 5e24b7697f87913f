using System.Text.Json;
using Ocular.Torch;

namespace Ocular.Vision.Datasets.VisualGenome;

/// <summary>
/// Visual Genome as a concept data set (lavise.md §3.2): the images as published (<c>ROOT/VG_100K/</c>,
/// <c>ROOT/VG_100K_2/</c>) with the objects and categories that <see cref="VisualGenomePreparation"/> wrote
/// (<c>ocular prepare vg --root ROOT</c>).
/// </summary>
/// <remarks>
/// <para><b>Samples.</b> One per prepared image (all the original's per-category samples of an image together):
/// RGB uint8 <c>[3, H, W]</c>; K = the image's categories in order of first appearance; <c>ConceptMasks[k]</c>, bool
/// <c>[K, H, W]</c>, is the union of category k's boxes, built H×W and indexed <c>[y, x]</c> at the decoded image's size
/// (boxes clipped to it) — the original builds <c>torch.zeros(img.size)</c>, which is W×H, and indexes it <c>[y, x]</c>,
/// losing every box part with x ≥ H (§8.3); <c>ConceptNames[k]</c> is its label word. <see cref="ClassNames"/> is empty
/// and every <c>Label</c> −1 (not a classifier data set); <see cref="Concepts"/> are the prepared labels in their order.</para>
/// <para><b>Split.</b> 90/10 by image, as the original's <c>torch.manual_seed(0); random_split(dataset, [int(0.9·n),
/// n − int(0.9·n)])</c>: the permutation is libtorch's <c>randperm(n)</c> from a generator seeded 0 (the same libtorch
/// function, so the same permutation), the training split takes its first <c>int(0.9·n)</c> entries and the test split
/// the rest, each in permutation order, over the prepared images in file order.</para>
/// <para>An image is looked for at its prepared path, then at <c>VG_100K/ID.jpg</c> and <c>VG_100K_2/ID.jpg</c> (for
/// copies that keep all images in one folder).</para>
/// </remarks>
public sealed class VisualGenomeDataset : IConceptDataset
{
    /// <summary>The share of the images in the training split.</summary>
    public const double TrainFraction = 0.9;

    /// <summary>The seed of the split's permutation.</summary>
    public const ulong SplitSeed = 0;

    private readonly Func<string, Tensor> _loader;
    private readonly List<PreparedImage> _images = [];
    private readonly int[] _order;

    // One prepared image: its categories and, per category, its boxes (x, y, w, h, flattened).
    private sealed record PreparedImage(long Id, string Path, int[] Categories, int[][] Boxes);

    /// <summary>Reads the prepared files.</summary>
    /// <param name="root">The Visual Genome folder (with the image folders).</param>
    /// <param name="split">The training or test split, or null for every prepared image in file order.</param>
    /// <param name="preparedDirectory">Where <c>ocular prepare vg</c> wrote its files (default: <paramref name="root"/>).</param>
    /// <param name="loader">Decodes one file into a uint8 <c>[3, H, W]</c> tensor; null: <see cref="Images.ImageIO.Read"/> as RGB.</param>
    /// <exception cref="DatasetException">The root is missing, the prepared files are missing (the message says how to make
    /// them), malformed, or disagree with each other.</exception>
    public VisualGenomeDataset(string root, DataSplit? split = null, string? preparedDirectory = null, Func<string, Tensor>? loader = null)
    {
        _loader = loader ?? ImageFolderDataset.DefaultLoader;
        Root = DatasetChecks.Directory(root, "Visual Genome root");
        Split = split;
        var prepared = System.IO.Path.GetFullPath(preparedDirectory ?? Root);
        var labelsPath = System.IO.Path.Combine(prepared, VisualGenomePreparation.LabelsFileName);
        var objectsPath = System.IO.Path.Combine(prepared, VisualGenomePreparation.ObjectsFileName);
        if (!File.Exists(labelsPath) || !File.Exists(objectsPath))
            throw new DatasetException($"Visual Genome in '{Root}' is not prepared: '{(File.Exists(labelsPath) ? objectsPath : labelsPath)}' does not exist; " +
                                       $"run `ocular prepare vg --root {Root}`{(preparedDirectory is null ? "" : $" --out {prepared}")} first", labelsPath);
        var (labels, expected) = ReadLabels(labelsPath);
        Concepts = labels;
        ReadObjects(objectsPath, labels);
        if (_images.Count != expected)
            throw new DatasetException($"'{objectsPath}' holds {_images.Count} images but '{labelsPath}' says {expected}: the files are from different runs; " +
                                       $"run `ocular prepare vg --root {Root}` again", objectsPath);
        _order = SplitIndices(_images.Count, split);
    }

    /// <summary>The Visual Genome folder (absolute).</summary>
    public string Root { get; }

    /// <summary>The split, or null for all prepared images.</summary>
    public DataSplit? Split { get; }

    /// <inheritdoc/>
    public int Count => _order.Length;

    /// <summary>Empty: Visual Genome is not a classification data set (every label is −1).</summary>
    public IReadOnlyList<string> ClassNames => [];

    /// <summary>The prepared label words in their order (the original's <c>vg_labels.pkl</c> order, see <see cref="VisualGenomePreparation"/>).</summary>
    public IReadOnlyList<string> Concepts { get; }

    /// <summary>The Visual Genome image id of sample <paramref name="index"/>.</summary>
    public long ImageId(int index)
    {
        DatasetChecks.Index(index, Count, $"Visual Genome in '{Root}'");
        return _images[_order[index]].Id;
    }

    /// <summary>
    /// The prepared images' positions (in file order) that form <paramref name="split"/> of <paramref name="count"/>
    /// images: torch's <c>random_split</c> after <c>manual_seed(0)</c> with lengths <c>int(0.9·n)</c> and the rest.
    /// </summary>
    public static int[] SplitIndices(int count, DataSplit? split)
    {
        if (split is null) return [.. Enumerable.Range(0, count)];
        var train = (int)(TrainFraction * count);
        using var generator = new Generator(SplitSeed);
        using var permutation = Tensor.RandPerm(count, generator);
        var order = permutation.ToArray<long>();
        return [.. (split == DataSplit.Train ? order.Take(train) : order.Skip(train)).Select(i => (int)i)];
    }

    /// <inheritdoc/>
    public Sample Get(int index)
    {
        DatasetChecks.Index(index, Count, $"Visual Genome in '{Root}'");
        var info = _images[_order[index]];
        var path = ImagePath(info);
        var image = FileLoading.Load(_loader, path, index);
        try
        {
            return new Sample(image, -1, index, path, conceptMasks: BoxMasks(info.Boxes, (int)image.Size(1), (int)image.Size(2)),
                conceptNames: [.. info.Categories.Select(c => Concepts[c])]);
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The union of each category's boxes (x, y, w, h), bool <c>[K, height, width]</c> indexed <c>[y, x]</c>, boxes clipped
    /// to the image (§8.3: H×W, not the original's W×H).
    /// </summary>
    public static Tensor BoxMasks(IReadOnlyList<int[]> boxes, int height, int width)
    {
        var plane = height * width;
        var masks = new bool[boxes.Count * plane];
        for (var k = 0; k < boxes.Count; k++)
        {
            var flat = boxes[k];
            for (var b = 0; b + 3 < flat.Length; b += 4)
            {
                int x0 = Math.Clamp(flat[b], 0, width), y0 = Math.Clamp(flat[b + 1], 0, height);
                int x1 = Math.Clamp(flat[b] + flat[b + 2], 0, width), y1 = Math.Clamp(flat[b + 1] + flat[b + 3], 0, height);
                for (var y = y0; y < y1; y++) masks.AsSpan(k * plane + y * width + x0, Math.Max(0, x1 - x0)).Fill(true);
            }
        }
        return Tensor.FromArray(masks, boxes.Count, height, width);
    }

    private string ImagePath(PreparedImage info)
    {
        var prepared = System.IO.Path.Combine(Root, info.Path);
        if (File.Exists(prepared)) return prepared;
        foreach (var folder in (string[])["VG_100K", "VG_100K_2"])
        {
            var other = System.IO.Path.Combine(Root, folder, $"{info.Id}.jpg");
            if (File.Exists(other)) return other;
        }
        return prepared; // FileLoading names it in the BadFileException
    }

    private static (string[] Labels, int Images) ReadLabels(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var top = document.RootElement;
            var format = top.TryGetProperty("format", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
            if (format != VisualGenomePreparation.Format)
                throw new DatasetException($"'{path}' is not a label file of `ocular prepare vg` (format '{format}', expected '{VisualGenomePreparation.Format}')", path);
            var labels = top.GetProperty("labels").EnumerateArray().Select(e => e.GetString() ?? throw new FormatException("a label is not a string")).ToArray();
            if (labels.Distinct(StringComparer.Ordinal).Count() != labels.Length) throw new FormatException("a label is listed twice");
            return (labels, top.GetProperty("images").GetInt32());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new DatasetException($"'{path}' is not a valid label file of `ocular prepare vg`: {e.Message}", path, e);
        }
    }

    private void ReadObjects(string path, string[] labels)
    {
        var index = labels.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i, StringComparer.Ordinal);
        var position = 0;
        JsonStream.ReadArray(path, "a prepared Visual Genome objects file", (ref Utf8JsonReader r) =>
        {
            try
            {
                _images.Add(ReadImage(ref r, index));
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException)
            {
                throw new DatasetException($"'{path}': entry {position}: {e.Message}", path, e);
            }
            position++;
        });
    }

    private static PreparedImage ReadImage(ref Utf8JsonReader r, Dictionary<string, int> labels)
    {
        long? id = null;
        string? path = null;
        var categories = new List<int>();
        var boxes = new List<int[]>();
        JsonValues.Start(ref r, JsonTokenType.StartObject, "image");
        while (JsonValues.NextProperty(ref r, out var key))
        {
            switch (key)
            {
                case "image_id": id = JsonValues.Int64(ref r, key); break;
                case "path": path = JsonValues.String(ref r, key); break;
                case "objects":
                    if (r.TokenType != JsonTokenType.StartObject) throw JsonValues.Wrong(ref r, key, "an object {label: [boxes]}");
                    while (JsonValues.NextProperty(ref r, out var label))
                    {
                        categories.Add(labels.TryGetValue(label, out var c) ? c : throw new FormatException($"the label '{label}' is not in the label file"));
                        boxes.Add(ReadBoxes(ref r));
                    }
                    break;
                default: r.Skip(); break;
            }
        }
        var imageId = id ?? throw new FormatException("the entry has no 'image_id'");
        if (categories.Count == 0) throw new FormatException($"image {imageId} has no objects");
        return new PreparedImage(imageId, path ?? $"VG_100K/{imageId}.jpg", [.. categories], [.. boxes]);
    }

    private static int[] ReadBoxes(ref Utf8JsonReader r)
    {
        if (r.TokenType != JsonTokenType.StartArray) throw JsonValues.Wrong(ref r, "objects", "a list of boxes");
        var flat = new List<int>();
        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
        {
            if (r.TokenType != JsonTokenType.StartObject) throw JsonValues.Wrong(ref r, "objects", "a box {x, y, w, h}");
            int? x = null, y = null, w = null, h = null;
            while (JsonValues.NextProperty(ref r, out var key))
            {
                switch (key)
                {
                    case "x": x = JsonValues.Int32(ref r, key); break;
                    case "y": y = JsonValues.Int32(ref r, key); break;
                    case "w": w = JsonValues.Int32(ref r, key); break;
                    case "h": h = JsonValues.Int32(ref r, key); break;
                    default: r.Skip(); break;
                }
            }
            if (x is null || y is null || w is null || h is null) throw new FormatException("a box lacks one of x, y, w, h");
            flat.AddRange([x.Value, y.Value, w.Value, h.Value]);
        }
        return [.. flat];
    }
}
