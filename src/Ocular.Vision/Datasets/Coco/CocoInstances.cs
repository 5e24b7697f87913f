using System.Globalization;
using System.Text.Json;

namespace Ocular.Vision.Datasets.Coco;

/// <summary>
/// A COCO instances file (<c>annotations/instances_{train,val}2017.json</c> as published) read and checked: its
/// categories, images and annotations. The file is streamed (the training file is 448 MB); only the fields a concept
/// data set needs are kept (<c>info</c>, <c>licenses</c>, <c>bbox</c>, <c>area</c>, … are skipped).
/// </summary>
/// <remarks>
/// Checks, each an error naming the file and the annotation, image or category at fault: the keys <c>images</c>,
/// <c>annotations</c> and <c>categories</c> exist (otherwise the file is not COCO instances); ids are unique; every
/// annotation's <c>image_id</c> is an image and its <c>category_id</c> a category; an RLE's <c>size</c> is its image's
/// <c>[height, width]</c> and its counts cover exactly that many pixels; a polygon's vertices lie in the image, up to
/// <see cref="BorderTolerance"/> pixels outside it (annotation tools place vertices on, or just past, the border; the
/// rasteriser clips them).
/// </remarks>
public sealed class CocoInstances
{
    /// <summary>How far (in pixels) a polygon vertex may lie outside its image before the annotation is refused.</summary>
    public const double BorderTolerance = 1.0;

    private readonly Dictionary<long, CocoImage> _images;
    private readonly Dictionary<long, CocoCategory> _categories;

    private CocoInstances(string path, List<CocoCategory> categories, List<CocoImage> images, List<CocoAnnotation> annotations)
    {
        Path = path;
        _categories = Unique(categories, c => c.Id, "category", path);
        _images = Unique(images, i => i.Id, "image", path);
        Unique(annotations, a => a.Id, "annotation", path);
        Categories = [.. categories.OrderBy(c => c.Id)];
        Images = images;
        Annotations = annotations;
    }

    /// <summary>The file read (absolute).</summary>
    public string Path { get; }

    /// <summary>The categories in id order.</summary>
    public IReadOnlyList<CocoCategory> Categories { get; }

    /// <summary>The images in file order.</summary>
    public IReadOnlyList<CocoImage> Images { get; }

    /// <summary>The annotations in file order.</summary>
    public IReadOnlyList<CocoAnnotation> Annotations { get; }

    /// <summary>The category with the given id.</summary>
    /// <exception cref="KeyNotFoundException">No category has that id.</exception>
    public CocoCategory Category(long id) => _categories.TryGetValue(id, out var c) ? c : throw new KeyNotFoundException($"{Path} has no category {id}");

    /// <summary>The image with the given id.</summary>
    /// <exception cref="KeyNotFoundException">No image has that id.</exception>
    public CocoImage Image(long id) => _images.TryGetValue(id, out var i) ? i : throw new KeyNotFoundException($"{Path} has no image {id}");

    /// <summary>Reads and checks a COCO instances file; <paramref name="progress"/> is told (bytes read, file length) as it goes.</summary>
    /// <exception cref="DatasetException">The file is missing, is not JSON, is not COCO instances (the message names the missing
    /// key), or an entry is malformed or inconsistent (the message names it).</exception>
    public static CocoInstances Read(string path, Action<long, long>? progress = null)
    {
        var full = System.IO.Path.GetFullPath(path);
        var categories = new List<CocoCategory>();
        var images = new List<CocoImage>();
        var annotations = new List<RawAnnotation>();
        var keys = JsonStream.ReadObject(full, "a COCO instances file", key => key switch
        {
            "categories" => (ref Utf8JsonReader r) => categories.Add(Element(ref r, full, "categories", categories.Count, ReadCategory)),
            "images" => (ref Utf8JsonReader r) => images.Add(Element(ref r, full, "images", images.Count, ReadImage)),
            "annotations" => (ref Utf8JsonReader r) => annotations.Add(Element(ref r, full, "annotations", annotations.Count, ReadAnnotation)),
            _ => null,
        }, progress);
        foreach (var key in (string[])["images", "annotations", "categories"])
            if (!keys.Contains(key))
                throw new DatasetException($"'{full}' is not a COCO instances file: it has no '{key}' key (its keys: {string.Join(", ", keys.Order(StringComparer.Ordinal))})", full);

        var partial = new CocoInstances(full, categories, images, []);
        var checkedAnnotations = annotations.Select(a => partial.Check(a)).ToList();
        return new CocoInstances(full, categories, images, checkedAnnotations);
    }

    private delegate T ElementParser<out T>(ref Utf8JsonReader reader);

    // One array element through its parser; a malformed value becomes an error naming the file, the array and the element's position.
    private static T Element<T>(ref Utf8JsonReader reader, string path, string array, int position, ElementParser<T> parse)
    {
        try
        {
            return parse(ref reader);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or ArgumentException)
        {
            throw new DatasetException($"'{path}': {array}[{position}]: {e.Message}", path, e);
        }
    }

    private static CocoCategory ReadCategory(ref Utf8JsonReader r)
    {
        long? id = null;
        string? name = null, super = null;
        JsonValues.Start(ref r, JsonTokenType.StartObject, "category");
        while (JsonValues.NextProperty(ref r, out var key))
        {
            switch (key)
            {
                case "id": id = JsonValues.Int64(ref r, key); break;
                case "name": name = JsonValues.String(ref r, key); break;
                case "supercategory": super = r.TokenType == JsonTokenType.Null ? null : JsonValues.String(ref r, key); break;
                default: r.Skip(); break;
            }
        }
        return new CocoCategory(id ?? throw Missing("id"), name ?? throw Missing("name"), super);
    }

    private static CocoImage ReadImage(ref Utf8JsonReader r)
    {
        long? id = null;
        string? file = null;
        int? height = null, width = null;
        JsonValues.Start(ref r, JsonTokenType.StartObject, "image");
        while (JsonValues.NextProperty(ref r, out var key))
        {
            switch (key)
            {
                case "id": id = JsonValues.Int64(ref r, key); break;
                case "file_name": file = JsonValues.String(ref r, key); break;
                case "height": height = JsonValues.Int32(ref r, key); break;
                case "width": width = JsonValues.Int32(ref r, key); break;
                default: r.Skip(); break;
            }
        }
        var image = new CocoImage(id ?? throw Missing("id"), file ?? throw Missing("file_name"), height ?? throw Missing("height"), width ?? throw Missing("width"));
        if (image.Height <= 0 || image.Width <= 0) throw new FormatException($"image {image.Id} is {image.Height}×{image.Width} pixels");
        return image;
    }

    // An annotation as read: its segmentation is kept raw until the image's size is known (COCO writes "id" last, and
    // "images" may follow "annotations").
    private sealed record RawAnnotation(long Id, long ImageId, long CategoryId, bool IsCrowd, List<double[]>? Polygons, int[]? RleSize, uint[]? Counts, string? CountsString);

    private static RawAnnotation ReadAnnotation(ref Utf8JsonReader r)
    {
        long? id = null, image = null, category = null;
        var crowd = false;
        var hasSegmentation = false;
        List<double[]>? polygons = null;
        int[]? size = null;
        uint[]? counts = null;
        string? countsString = null;
        JsonValues.Start(ref r, JsonTokenType.StartObject, "annotation");
        while (JsonValues.NextProperty(ref r, out var key))
        {
            switch (key)
            {
                case "id": id = JsonValues.Int64(ref r, key); break;
                case "image_id": image = JsonValues.Int64(ref r, key); break;
                case "category_id": category = JsonValues.Int64(ref r, key); break;
                case "iscrowd": crowd = JsonValues.Int64(ref r, key) != 0; break;
                case "segmentation":
                    hasSegmentation = true;
                    if (r.TokenType == JsonTokenType.StartArray) polygons = ReadPolygons(ref r);
                    else if (r.TokenType == JsonTokenType.StartObject) (size, counts, countsString) = ReadRle(ref r);
                    else throw JsonValues.Wrong(ref r, key, "a list of polygons or an RLE object");
                    break;
                default: r.Skip(); break;
            }
        }
        var annotationId = id ?? throw Missing("id");
        if (!hasSegmentation) throw new FormatException($"annotation {annotationId} has no 'segmentation'");
        return new RawAnnotation(annotationId, image ?? throw Missing("image_id"), category ?? throw Missing("category_id"), crowd,
            polygons, size, counts, countsString);
    }

    private static List<double[]> ReadPolygons(ref Utf8JsonReader r)
    {
        var parts = new List<double[]>();
        var values = new List<double>();
        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
        {
            if (r.TokenType != JsonTokenType.StartArray) throw JsonValues.Wrong(ref r, "segmentation", "a list of polygons [[x, y, …], …]");
            values.Clear();
            while (r.Read() && r.TokenType != JsonTokenType.EndArray) values.Add(JsonValues.Double(ref r, "segmentation"));
            parts.Add([.. values]);
        }
        return parts;
    }

    private static (int[]? Size, uint[]? Counts, string? CountsString) ReadRle(ref Utf8JsonReader r)
    {
        int[]? size = null;
        uint[]? counts = null;
        string? text = null;
        while (JsonValues.NextProperty(ref r, out var key))
        {
            switch (key)
            {
                case "size":
                    if (r.TokenType != JsonTokenType.StartArray) throw JsonValues.Wrong(ref r, "size", "[height, width]");
                    var dims = new List<int>();
                    while (r.Read() && r.TokenType != JsonTokenType.EndArray) dims.Add(JsonValues.Int32(ref r, "size"));
                    size = [.. dims];
                    break;
                case "counts":
                    if (r.TokenType == JsonTokenType.String) text = r.GetString();
                    else if (r.TokenType == JsonTokenType.StartArray)
                    {
                        var list = new List<uint>();
                        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
                            list.Add(r.TokenType == JsonTokenType.Number && r.TryGetUInt32(out var c) ? c : throw JsonValues.Wrong(ref r, "counts", "a non-negative integer"));
                        counts = [.. list];
                    }
                    else throw JsonValues.Wrong(ref r, "counts", "a list of run lengths or a compressed RLE string");
                    break;
                default: r.Skip(); break;
            }
        }
        if (size is null) throw Missing("size");
        if (counts is null && text is null) throw Missing("counts");
        return (size, counts, text);
    }

    private static FormatException Missing(string key) => new($"the entry has no '{key}'");

    // The annotation with its image and category known to exist and its segmentation checked against the image.
    private CocoAnnotation Check(RawAnnotation raw)
    {
        var what = $"'{Path}': annotation {raw.Id}";
        if (!_images.TryGetValue(raw.ImageId, out var image))
            throw new DatasetException($"{what} belongs to image {raw.ImageId}, which is not in 'images'", Path);
        if (!_categories.ContainsKey(raw.CategoryId))
            throw new DatasetException($"{what} has category_id {raw.CategoryId}, which is not in 'categories' (ids {string.Join(", ", Categories.Select(c => c.Id))})", Path);
        try
        {
            return new CocoAnnotation(raw.Id, raw.ImageId, raw.CategoryId, raw.IsCrowd, Segmentation(raw, image));
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new DatasetException($"{what} (image {image.Id}, {image.Height}×{image.Width}): {e.Message}", Path, e);
        }
    }

    private static CocoSegmentation Segmentation(RawAnnotation raw, CocoImage image)
    {
        if (raw.Polygons is { } parts)
        {
            var polygons = new CocoPolygons(parts);
            foreach (var part in parts) CheckInside(part, polygons.AreBoxes, image);
            return polygons;
        }
        var size = raw.RleSize!;
        if (size.Length != 2 || size[0] != image.Height || size[1] != image.Width)
            throw new ArgumentException($"its RLE 'size' is [{string.Join(", ", size)}], but the image is [{image.Height}, {image.Width}] (height, width)");
        var counts = raw.Counts ?? CocoRleString.Decode(raw.CountsString!);
        return new CocoRunLengths(new CocoRle(image.Height, image.Width, counts), raw.Counts is null);
    }

    private static void CheckInside(double[] part, bool box, CocoImage image)
    {
        // A box is x, y, width, height: its corners are (x, y) and (x + width, y + height).
        for (var i = 0; i < (box ? 4 : part.Length); i++)
        {
            var isX = i % 2 == 0;
            var value = box && i >= 2 ? part[i - 2] + part[i] : part[i];
            var size = isX ? image.Width : image.Height;
            if (value < -BorderTolerance || value > size + BorderTolerance)
                throw new ArgumentException($"its {(box ? "box" : "polygon")} reaches {(isX ? "x" : "y")} = {value.ToString(CultureInfo.InvariantCulture)}, " +
                                            $"outside the image (0 to {size}, with a tolerance of {BorderTolerance.ToString(CultureInfo.InvariantCulture)} pixel)");
        }
    }

    private static Dictionary<long, T> Unique<T>(IEnumerable<T> items, Func<T, long> id, string what, string path)
    {
        var map = new Dictionary<long, T>();
        foreach (var item in items)
            if (!map.TryAdd(id(item), item))
                throw new DatasetException($"'{path}': two {what} entries have the id {id(item)}", path);
        return map;
    }
}
