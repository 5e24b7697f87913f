using Ocular.Torch;

namespace Ocular.Vision.Datasets.Coco;

/// <summary>
/// An annotation's <c>segmentation</c> as COCO stores it: polygons, or a run-length encoding (uncompressed, a list of
/// counts, as crowd annotations use; or compressed, a string). <see cref="ToMask"/> decodes either to the mask that
/// pycocotools' <c>COCO.annToMask</c> returns, indexed <c>[y, x]</c>.
/// </summary>
public abstract class CocoSegmentation
{
    private protected CocoSegmentation() { }

    /// <summary>
    /// Sets the segmentation's pixels in <paramref name="columnMajor"/> (<c>width·height</c> values, <c>[x, y]</c>, the
    /// layout of <see cref="CocoRle"/>) for an image of <paramref name="height"/>×<paramref name="width"/>.
    /// </summary>
    public abstract void DecodeInto(Span<bool> columnMajor, int height, int width);

    /// <summary>The mask, a new bool <c>[height, width]</c> tensor indexed <c>[y, x]</c> (the caller owns it).</summary>
    public Tensor ToMask(int height, int width)
    {
        var columns = new bool[height * width];
        DecodeInto(columns, height, width);
        using var xy = Tensor.FromArray(columns, width, height);
        using var yx = xy.Transpose(0, 1);
        return yx.Contiguous();
    }
}

/// <summary>
/// Polygons <c>[[x0, y0, x1, y1, …], …]</c>: one object in one or more parts, whose mask is the union of the parts'
/// (pycocotools: <c>frPyObjects</c> then <c>merge</c>). As pycocotools' <c>frPyObjects</c> decides by the length of the
/// first part, when the first part has exactly 4 values every part is read as a box <c>x, y, width, height</c>
/// (<see cref="AreBoxes"/>).
/// </summary>
public sealed class CocoPolygons : CocoSegmentation
{
    /// <summary>Creates the segmentation from its parts (each an even number of at least 4 values; all 4 when the first is 4).</summary>
    /// <exception cref="ArgumentException">There is no part, a part has an odd number of values or fewer than 4, or the first
    /// part has 4 values and another does not.</exception>
    public CocoPolygons(IReadOnlyList<double[]> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0) throw new ArgumentException("a polygon segmentation needs at least one polygon", nameof(parts));
        AreBoxes = parts[0].Length == 4;
        for (var i = 0; i < parts.Count; i++)
        {
            var n = parts[i].Length;
            if (AreBoxes && n != 4)
                throw new ArgumentException($"the first part has 4 values, which pycocotools reads as a box (x, y, width, height), but part {i} has {n}", nameof(parts));
            if (n % 2 != 0 || n < 4)
                throw new ArgumentException($"polygon {i} has {n} values; a polygon is x, y pairs (at least 3 vertices)", nameof(parts));
        }
        Parts = parts;
    }

    /// <summary>The parts, each <c>x0, y0, x1, y1, …</c> in pixels (a box <c>x, y, width, height</c> when <see cref="AreBoxes"/>).</summary>
    public IReadOnlyList<double[]> Parts { get; }

    /// <summary>Whether the parts are boxes: the first part has exactly 4 values (pycocotools' <c>frPyObjects</c> rule).</summary>
    public bool AreBoxes { get; }

    /// <inheritdoc/>
    public override void DecodeInto(Span<bool> columnMajor, int height, int width)
    {
        foreach (var part in Parts)
        {
            var rle = AreBoxes
                ? CocoPolygon.BoxToRle(part[0], part[1], part[2], part[3], height, width)
                : CocoPolygon.ToRle(part, height, width);
            rle.DecodeInto(columnMajor);
        }
    }
}

/// <summary>A run-length encoded segmentation: <c>{"size": [h, w], "counts": [..]}</c> (uncompressed) or <c>"counts": "…"</c> (compressed); the counts are column-major.</summary>
public sealed class CocoRunLengths(CocoRle rle, bool compressed) : CocoSegmentation
{
    /// <summary>The decoded run lengths.</summary>
    public CocoRle Rle { get; } = rle ?? throw new ArgumentNullException(nameof(rle));

    /// <summary>Whether the file stored the counts as a compressed string.</summary>
    public bool Compressed { get; } = compressed;

    /// <inheritdoc/>
    public override void DecodeInto(Span<bool> columnMajor, int height, int width)
    {
        if (Rle.Height != height || Rle.Width != width)
            throw new ArgumentException($"the RLE is {Rle.Height}×{Rle.Width}, not {height}×{width}");
        Rle.DecodeInto(columnMajor);
    }
}
