using System.Text.Json;
using Ocular.Torch.Serialization;

namespace Ocular.Vision.Datasets.VisualGenome;

/// <summary>
/// The paper's Visual Genome preprocessing (lavise.md §3.2 "Paper preprocessing", §8.10; the original repository lacks
/// its output, <c>vg_objects.json</c>): from <c>image_data.json</c> and <c>objects.json</c> as published, writes the
/// per-image objects and the ordered category list that <see cref="VisualGenomeDataset"/> reads.
/// </summary>
/// <remarks>
/// <para><b>Steps.</b> (1) An object is usable when it has a synset (its first, <c>synsets[0]</c>) and its box, clipped
/// to the image (size from <c>image_data.json</c>; edges rounded outwards to whole pixels), is not empty: these are the
/// "box-able annotations"; images with none are dropped. (2) Categories are merged by synset name: an object's
/// category is its synset's lemma — <c>tree.n.01</c> → <c>tree</c>, so senses of one word merge, as the original's
/// single-token labels do — and lemmas of several words (<c>traffic_light.n.01</c>) are left out unless
/// <see cref="VisualGenomePreparationOptions.KeepMultiWordSynsets"/> (the original's 1,208 labels have none). (3) The
/// instances of one category in one image are merged: the category keeps all their boxes, and its mask is their union.
/// (4) Categories present in fewer than <see cref="VisualGenomePreparationOptions.MinImages"/> images (100) are deleted,
/// and images left without a category are dropped. The paper counts "training images"; the count here is over all
/// images, since the 90/10 split is made afterwards, on the prepared images.</para>
/// <para><b>Label order.</b> Categories are numbered in order of first appearance (images in <c>objects.json</c> order,
/// objects in their order): the order of the original's <c>vg_labels.pkl</c>, whose first labels — tree, sidewalk,
/// building, street, wall, shade, van, trunk, clock, window, man — are the objects of image 1.</para>
/// <para><b>Output</b> (in <c>--out</c>, default the root): <see cref="ObjectsFileName"/>, an array of
/// <c>{"image_id", "path", "width", "height", "objects": {label: [{"x", "y", "w", "h"}, …]}}</c> in <c>objects.json</c>
/// order (the entries of the original's <c>vg_objects.json</c>, plus the image's file and size); then
/// <see cref="LabelsFileName"/>, <c>{"format", "labels": […], "images", "min_images", "counts"}</c>. Each is written
/// atomically, the label file last, so a label file names a complete objects file.</para>
/// </remarks>
public static class VisualGenomePreparation
{
    /// <summary>The per-image objects file written.</summary>
    public const string ObjectsFileName = "vg_objects.json";

    /// <summary>The label file written (the ordered categories and the counts).</summary>
    public const string LabelsFileName = "vg_labels.json";

    /// <summary>The <c>format</c> of the label file.</summary>
    public const string Format = "ocular.vg-prepared/1";

    private readonly record struct Box(int X, int Y, int W, int H);

    private sealed record Entry(VisualGenomeImage Image, (int Category, Box Box)[] Objects);

    /// <summary>Prepares the data set in <paramref name="root"/> (which holds <c>image_data.json</c> and <c>objects.json</c>).</summary>
    /// <param name="root">The Visual Genome folder as published.</param>
    /// <param name="outDirectory">Where the two files go (default: <paramref name="root"/>).</param>
    /// <param name="options">The cut and the synset rule.</param>
    /// <param name="progress">Told (phase, done, total) as the files are read.</param>
    /// <exception cref="DatasetException">A file is missing or malformed, or objects.json names an image that image_data.json does not list.</exception>
    public static VisualGenomeCounts Run(string root, string? outDirectory = null, VisualGenomePreparationOptions? options = null,
        Action<string, long, long>? progress = null)
    {
        options ??= new VisualGenomePreparationOptions();
        if (options.MinImages < 1) throw new ArgumentOutOfRangeException(nameof(options), options.MinImages, "MinImages must be at least 1");
        root = DatasetChecks.Directory(root, "Visual Genome root");
        var imageData = Path.Combine(root, VisualGenomeSource.ImageDataFile);
        var objectsPath = Path.Combine(root, VisualGenomeSource.ObjectsFile);
        var images = VisualGenomeSource.ReadImages(imageData, (d, t) => progress?.Invoke($"reading {VisualGenomeSource.ImageDataFile}", d, t));

        var labels = new List<string>();
        var labelIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var entries = new List<Entry>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var synsets = new HashSet<string>(StringComparer.Ordinal);
        int withObjects = 0;
        long objects = 0, noSynset = 0, multiWord = 0, emptyBox = 0;
        VisualGenomeSource.ReadObjects(objectsPath, (id, found) =>
        {
            if (!images.TryGetValue(id, out var image))
                throw new DatasetException($"'{objectsPath}' has objects of image {id}, which '{imageData}' does not list", objectsPath);
            if (found.Count > 0) withObjects++;
            var kept = new List<(int, Box)>();
            foreach (var o in found)
            {
                objects++;
                if (o.Name is not null) names.Add(o.Name.Trim().ToLowerInvariant());
                if (o.Synset is null) { noSynset++; continue; }
                var word = Lemma(o.Synset);
                if (word.Contains('_'))
                {
                    if (!options.KeepMultiWordSynsets) { multiWord++; continue; }
                    word = word.Replace('_', ' ');
                }
                if (Clip(o, image) is not { } box) { emptyBox++; continue; }
                synsets.Add(o.Synset);
                if (!labelIndex.TryGetValue(word, out var category))
                {
                    category = labels.Count;
                    labelIndex.Add(word, category);
                    labels.Add(word);
                }
                kept.Add((category, box));
            }
            if (kept.Count > 0) entries.Add(new Entry(image, [.. kept]));
        }, (d, t) => progress?.Invoke($"reading {VisualGenomeSource.ObjectsFile}", d, t));

        // Images per category, then the cut; the kept categories keep their order of first appearance.
        var imagesOf = new int[labels.Count];
        foreach (var entry in entries)
            foreach (var c in entry.Objects.Select(o => o.Category).Distinct()) imagesOf[c]++;
        var renumber = new int[labels.Count];
        var keptLabels = new List<string>();
        for (var c = 0; c < labels.Count; c++)
        {
            renumber[c] = imagesOf[c] >= options.MinImages ? keptLabels.Count : -1;
            if (renumber[c] >= 0) keptLabels.Add(labels[c]);
        }
        var keptEntries = entries
            .Select(e => e with { Objects = [.. e.Objects.Where(o => renumber[o.Category] >= 0).Select(o => (renumber[o.Category], o.Box))] })
            .Where(e => e.Objects.Length > 0).ToList();

        var counts = new VisualGenomeCounts(images.Count, withObjects, entries.Count, keptEntries.Count, names.Count, synsets.Count, labels.Count,
            keptLabels.Count, keptEntries.Count == 0 ? 0 : keptEntries.Max(e => e.Objects.Select(o => o.Category).Distinct().Count()),
            objects, noSynset, multiWord, emptyBox, keptEntries.Sum(e => (long)e.Objects.Length), options.MinImages);

        var output = Path.GetFullPath(outDirectory ?? root);
        progress?.Invoke($"writing {ObjectsFileName}", 0, keptEntries.Count);
        AtomicFile.Write(Path.Combine(output, ObjectsFileName), s => WriteObjects(s, keptEntries, keptLabels));
        AtomicFile.Write(Path.Combine(output, LabelsFileName), s => WriteLabels(s, keptLabels, counts, options));
        progress?.Invoke($"writing {ObjectsFileName}", keptEntries.Count, keptEntries.Count);
        return counts;
    }

    /// <summary>
    /// The category word of a synset: its lemma, the name before the part of speech and the sense number
    /// (<c>tree.n.01</c> → <c>tree</c>, <c>t-shirt.n.01</c> → <c>t-shirt</c>); a name not of that form is used whole.
    /// </summary>
    public static string Lemma(string synset)
    {
        var parts = synset.Trim().Split('.');
        return parts.Length >= 3 ? string.Join('.', parts[..^2]) : synset.Trim();
    }

    // The object's box in whole pixels inside the image, or null when nothing of it is inside.
    private static Box? Clip(VisualGenomeObject o, VisualGenomeImage image)
    {
        var x0 = (int)Math.Clamp(Math.Floor(o.X), 0, image.Width);
        var y0 = (int)Math.Clamp(Math.Floor(o.Y), 0, image.Height);
        var x1 = (int)Math.Clamp(Math.Ceiling(o.X + o.W), 0, image.Width);
        var y1 = (int)Math.Clamp(Math.Ceiling(o.Y + o.H), 0, image.Height);
        return x1 > x0 && y1 > y0 ? new Box(x0, y0, x1 - x0, y1 - y0) : null;
    }

    private static void WriteObjects(Stream stream, List<Entry> entries, List<string> labels)
    {
        using var json = new Utf8JsonWriter(stream);
        json.WriteStartArray();
        foreach (var (image, objects) in entries)
        {
            json.WriteStartObject();
            json.WriteNumber("image_id", image.Id);
            json.WriteString("path", image.Path);
            json.WriteNumber("width", image.Width);
            json.WriteNumber("height", image.Height);
            json.WriteStartObject("objects");
            foreach (var group in objects.GroupBy(o => o.Category)) // groups keep the order of first appearance
            {
                json.WriteStartArray(labels[group.Key]);
                foreach (var (_, box) in group)
                {
                    json.WriteStartObject();
                    json.WriteNumber("x", box.X);
                    json.WriteNumber("y", box.Y);
                    json.WriteNumber("w", box.W);
                    json.WriteNumber("h", box.H);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void WriteLabels(Stream stream, List<string> labels, VisualGenomeCounts counts, VisualGenomePreparationOptions options)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("format", Format);
        json.WriteNumber("images", counts.ImagesKept);
        json.WriteNumber("min_images", options.MinImages);
        json.WriteBoolean("keep_multi_word_synsets", options.KeepMultiWordSynsets);
        json.WritePropertyName("counts");
        JsonSerializer.Serialize(json, counts, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });
        json.WriteStartArray("labels");
        foreach (var label in labels) json.WriteStringValue(label);
        json.WriteEndArray();
        json.WriteEndObject();
    }
}
