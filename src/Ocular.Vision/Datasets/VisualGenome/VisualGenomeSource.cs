using System.Text.Json;

namespace Ocular.Vision.Datasets.VisualGenome;

/// <summary>An image of <c>image_data.json</c>: its id, size and file (relative to the data set's root).</summary>
/// <param name="Id">The image id (<c>image_id</c>, or <c>id</c> in early releases).</param>
/// <param name="Width">The width in pixels.</param>
/// <param name="Height">The height in pixels.</param>
/// <param name="Path">The image file relative to the root: the last two parts of its <c>url</c>, e.g. <c>VG_100K_2/1.jpg</c>
/// (<c>VG_100K/ID.jpg</c> when the entry has no url).</param>
internal sealed record VisualGenomeImage(long Id, int Width, int Height, string Path);

/// <summary>One object of <c>objects.json</c>, with the fields the preprocessing uses.</summary>
/// <param name="X">The box's left edge.</param>
/// <param name="Y">The box's top edge.</param>
/// <param name="W">The box's width.</param>
/// <param name="H">The box's height.</param>
/// <param name="Name">The object's first name (<c>names[0]</c>, or <c>name</c> in early releases), or null.</param>
/// <param name="Synset">The object's first synset, e.g. <c>tree.n.01</c>, or null when it has none.</param>
internal readonly record struct VisualGenomeObject(double X, double Y, double W, double H, string? Name, string? Synset);

/// <summary>
/// Streamed readers of Visual Genome's published annotation files (<c>image_data.json</c>, <c>objects.json</c>, about
/// 400 MB): each element is parsed on its own, never the whole document.
/// </summary>
internal static class VisualGenomeSource
{
    public const string ImageDataFile = "image_data.json";
    public const string ObjectsFile = "objects.json";

    public static Dictionary<long, VisualGenomeImage> ReadImages(string path, Action<long, long>? progress)
    {
        var images = new Dictionary<long, VisualGenomeImage>();
        var position = 0;
        JsonStream.ReadArray(path, "Visual Genome's image_data.json (an array of images)", (ref Utf8JsonReader r) =>
        {
            var image = Element(ref r, path, position++, ReadImage);
            if (!images.TryAdd(image.Id, image)) throw new DatasetException($"'{path}': image {image.Id} is listed twice", path);
        }, progress);
        return images;
    }

    /// <summary>Hands each entry of objects.json (an image id and its objects, in file order) to <paramref name="image"/>.</summary>
    public static void ReadObjects(string path, Action<long, List<VisualGenomeObject>> image, Action<long, long>? progress)
    {
        var position = 0;
        JsonStream.ReadArray(path, "Visual Genome's objects.json (an array of images with their objects)", (ref Utf8JsonReader r) =>
        {
            var (id, objects) = Element(ref r, path, position++, ReadImageObjects);
            image(id, objects);
        }, progress);
    }

    private delegate T Parser<out T>(ref Utf8JsonReader reader);

    private static T Element<T>(ref Utf8JsonReader reader, string path, int position, Parser<T> parse)
    {
        try
        {
            return parse(ref reader);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            throw new DatasetException($"'{path}': entry {position}: {e.Message}", path, e);
        }
    }

    private static VisualGenomeImage ReadImage(ref Utf8JsonReader r)
    {
        long? id = null;
        int? width = null, height = null;
        string? url = null;
        JsonValues.Start(ref r, JsonTokenType.StartObject, "image");
        while (JsonValues.NextProperty(ref r, out var key))
        {
            switch (key)
            {
                case "image_id" or "id": id = JsonValues.Int64(ref r, key); break;
                case "width": width = JsonValues.Int32(ref r, key); break;
                case "height": height = JsonValues.Int32(ref r, key); break;
                case "url": url = r.TokenType == JsonTokenType.Null ? null : JsonValues.String(ref r, key); break;
                default: r.Skip(); break;
            }
        }
        var imageId = id ?? throw new FormatException("the entry has no 'image_id'");
        if (width is not > 0 || height is not > 0) throw new FormatException($"image {imageId} has no positive 'width' and 'height'");
        return new VisualGenomeImage(imageId, width.Value, height.Value, RelativePath(url, imageId));
    }

    // ".../rak248/VG_100K_2/1.jpg" → "VG_100K_2/1.jpg": the folder the published zip files unpack to.
    private static string RelativePath(string? url, long id)
    {
        var parts = url?.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return parts is { Length: >= 2 } ? $"{parts[^2]}/{parts[^1]}" : $"VG_100K/{id}.jpg";
    }

    private static (long Id, List<VisualGenomeObject> Objects) ReadImageObjects(ref Utf8JsonReader r)
    {
        long? id = null;
        var objects = new List<VisualGenomeObject>();
        JsonValues.Start(ref r, JsonTokenType.StartObject, "image");
        while (JsonValues.NextProperty(ref r, out var key))
        {
            switch (key)
            {
                case "image_id" or "id": id = JsonValues.Int64(ref r, key); break;
                case "objects":
                    if (r.TokenType != JsonTokenType.StartArray) throw JsonValues.Wrong(ref r, key, "an array");
                    while (r.Read() && r.TokenType != JsonTokenType.EndArray) objects.Add(ReadObject(ref r));
                    break;
                default: r.Skip(); break;
            }
        }
        return (id ?? throw new FormatException("the entry has no 'image_id'"), objects);
    }

    private static VisualGenomeObject ReadObject(ref Utf8JsonReader r)
    {
        if (r.TokenType != JsonTokenType.StartObject) throw JsonValues.Wrong(ref r, "objects", "a list of objects");
        double? x = null, y = null, w = null, h = null;
        string? name = null, synset = null;
        while (JsonValues.NextProperty(ref r, out var key))
        {
            switch (key)
            {
                case "x": x = JsonValues.Double(ref r, key); break;
                case "y": y = JsonValues.Double(ref r, key); break;
                case "w": w = JsonValues.Double(ref r, key); break;
                case "h": h = JsonValues.Double(ref r, key); break;
                case "name": name = JsonValues.String(ref r, key); break;
                case "names": name = FirstString(ref r, key) ?? name; break;
                case "synsets": synset = FirstString(ref r, key); break;
                default: r.Skip(); break;
            }
        }
        if (x is null || y is null || w is null || h is null) throw new FormatException("an object has no box (x, y, w, h)");
        return new VisualGenomeObject(x.Value, y.Value, w.Value, h.Value, name, synset);
    }

    private static string? FirstString(ref Utf8JsonReader r, string key)
    {
        if (r.TokenType != JsonTokenType.StartArray) throw JsonValues.Wrong(ref r, key, "a list of strings");
        string? first = null;
        while (r.Read() && r.TokenType != JsonTokenType.EndArray) first ??= JsonValues.String(ref r, key);
        return first;
    }
}
