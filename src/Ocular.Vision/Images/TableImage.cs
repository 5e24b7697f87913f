using Ocular.Torch;
using Ocular.Vision.Interop;

namespace Ocular.Vision.Images;

/// <summary>
/// Draws a table of text as a picture (OpenCV's Hershey font, so ASCII only): a title, a header row, body rows with
/// the first column left-aligned and the others right-aligned, and highlighted cells (e.g. the best value of each
/// column) on a light green ground. Used for pictures of results that can be put in a README.
/// </summary>
public static class TableImage
{
    private static readonly double[] Black = [0, 0, 0];
    private static readonly double[] Grey = [110, 110, 110];
    private static readonly double[] Rule = [200, 200, 200];
    private static readonly double[] Highlight = [198, 239, 206];
    private const double Scale = 0.42;
    private const int Pad = 8, RowGap = 8, Margin = 12;

    /// <summary>Renders the table as a uint8 RGB image [3, H, W].</summary>
    /// <param name="title">A line above the table (null for none).</param>
    /// <param name="header">The column titles.</param>
    /// <param name="rows">The cells, one list per row, as many as the header.</param>
    /// <param name="highlighted">Whether each cell is highlighted (null for none).</param>
    /// <param name="footer">A line below the table (null for none).</param>
    /// <exception cref="ArgumentException">A row's length differs from the header's, or a text is not ASCII.</exception>
    public static Tensor Render(string? title, IReadOnlyList<string> header, IReadOnlyList<IReadOnlyList<string>> rows,
        IReadOnlyList<IReadOnlyList<bool>>? highlighted = null, string? footer = null)
    {
        if (header.Count == 0) throw new ArgumentException("a table needs at least one column", nameof(header));
        for (var r = 0; r < rows.Count; r++)
            if (rows[r].Count != header.Count) throw new ArgumentException($"row {r} has {rows[r].Count} cells for {header.Count} columns", nameof(rows));
        foreach (var text in new[] { title, footer }.Concat(header).Concat(rows.SelectMany(r => r)))
            if (text is not null && text.Any(c => c > 126 || c < 32))
                throw new ArgumentException($"'{text}': only printable ASCII can be drawn (OpenCV's Hershey font)");

        var (_, textHeight, baseline) = Raster.TextSize("Ag%09", Scale);
        var rowHeight = textHeight + baseline + RowGap;
        var widths = new int[header.Count];
        for (var c = 0; c < header.Count; c++)
            widths[c] = rows.Select(r => Raster.TextSize(r[c], Scale).Width).Append(Raster.TextSize(header[c], Scale).Width).Max() + 2 * Pad;
        var tableWidth = widths.Sum();
        var titleWidth = title is null ? 0 : Raster.TextSize(title, Scale * 1.2).Width;
        var footerWidth = footer is null ? 0 : Raster.TextSize(footer, Scale).Width;
        var width = 2 * Margin + Math.Max(tableWidth, Math.Max(titleWidth, footerWidth));
        var titleHeight = title is null ? 0 : rowHeight + 6;
        var height = 2 * Margin + titleHeight + rowHeight * (rows.Count + 1) + (footer is null ? 0 : rowHeight);

        using var scope = DisposeScope.Enter();
        var canvas = Tensor.Full([height, width, 3], 255, ScalarType.UInt8);
        var y = Margin;
        if (title is not null)
        {
            Raster.Text(canvas, title, Margin, y + textHeight + 2, Scale * 1.2, Black);
            y += titleHeight;
        }
        void Row(IReadOnlyList<string> cells, IReadOnlyList<bool>? marks, double[] colour)
        {
            var x = Margin;
            for (var c = 0; c < cells.Count; c++)
            {
                if (marks is not null && marks[c])
                    canvas.Narrow(0, y + 2, rowHeight - 4).Narrow(1, x + 2, widths[c] - 4)
                        .Copy_(Tensor.FromArray(Highlight.Select(v => (byte)v).ToArray(), 3).Expand(rowHeight - 4, widths[c] - 4, 3));
                var w = Raster.TextSize(cells[c], Scale).Width;
                var tx = c == 0 ? x + Pad : x + widths[c] - Pad - w;
                Raster.Text(canvas, cells[c], tx, y + RowGap / 2 + textHeight, Scale, colour);
                x += widths[c];
            }
            y += rowHeight;
        }
        Row(header, null, Black);
        canvas.Narrow(0, y - 2, 1).Narrow(1, Margin, tableWidth).Fill_(Rule[0]);
        for (var r = 0; r < rows.Count; r++) Row(rows[r], highlighted?[r], Black);
        if (footer is not null) Raster.Text(canvas, footer, Margin, y + RowGap / 2 + textHeight, Scale, Grey);
        return scope.Keep(canvas.Permute(2, 0, 1).Contiguous());
    }

    /// <summary>
    /// Adds a strip above a uint8 image [C, H, W] made of equal-width columns (a contact sheet) with each column's
    /// label centred over it, after scaling the image by <paramref name="scale"/> (nearest neighbour, so pixels stay sharp).
    /// </summary>
    /// <exception cref="ArgumentException">The image is not uint8 [1|3, H, W], or its width is not a multiple of the number of labels.</exception>
    public static Tensor LabelColumns(Tensor image, IReadOnlyList<string> labels, int scale = 1)
    {
        if (image.Dim != 3 || image.DType != ScalarType.UInt8 || image.Size(0) is not (1 or 3))
            throw new ArgumentException($"expected a uint8 image [1 or 3, H, W], got {image.DType} {Tensor.ShapeString(image.Shape)}", nameof(image));
        if (labels.Count == 0 || image.Size(2) % labels.Count != 0)
            throw new ArgumentException($"{labels.Count} labels do not divide an image {image.Size(2)} pixels wide into equal columns", nameof(labels));
        if (scale < 1) throw new ArgumentOutOfRangeException(nameof(scale), scale, "the scale is at least 1");
        using var scope = DisposeScope.Enter();
        var rgb = image.Size(0) == 1 ? image.Expand(3, image.Size(1), image.Size(2)) : image;
        var scaled = scale == 1 ? rgb : Functional.Interpolate(rgb.To(ScalarType.Float32).Unsqueeze(0),
            new Pair(rgb.Size(1) * scale, rgb.Size(2) * scale), mode: InterpolationMode.Nearest).Squeeze(0).To(ScalarType.UInt8);
        var column = (int)scaled.Size(2) / labels.Count;
        var (_, textHeight, baseline) = Raster.TextSize("Ag", Scale);
        var strip = textHeight + baseline + RowGap;
        var canvas = Tensor.Full([strip + scaled.Size(1), scaled.Size(2), 3], 255, ScalarType.UInt8);
        canvas.Narrow(0, strip, scaled.Size(1)).Copy_(scaled.Permute(1, 2, 0));
        for (var c = 0; c < labels.Count; c++)
        {
            var w = Raster.TextSize(labels[c], Scale).Width;
            Raster.Text(canvas, labels[c], c * column + Math.Max(0, (column - w) / 2), RowGap / 2 + textHeight, Scale, Black);
        }
        return scope.Keep(canvas.Permute(2, 0, 1).Contiguous());
    }

    /// <summary>Stacks uint8 images [C, H, W] (1 or 3 channels) top to bottom on a white ground, left-aligned, with a gap.</summary>
    /// <exception cref="ArgumentException">No image, or an image that is not uint8 [1|3, H, W].</exception>
    public static Tensor StackVertically(IReadOnlyList<Tensor> images, int gap = 12)
    {
        if (images.Count == 0) throw new ArgumentException("nothing to stack", nameof(images));
        foreach (var image in images)
            if (image.Dim != 3 || image.DType != ScalarType.UInt8 || image.Size(0) is not (1 or 3))
                throw new ArgumentException($"expected uint8 images [1 or 3, H, W], got {image.DType} {Tensor.ShapeString(image.Shape)}", nameof(images));
        var width = images.Max(i => i.Size(2));
        var height = images.Sum(i => i.Size(1)) + gap * (images.Count - 1);
        using var scope = DisposeScope.Enter();
        var canvas = Tensor.Full([3, height, width], 255, ScalarType.UInt8);
        long y = 0;
        foreach (var image in images)
        {
            var rgb = image.Size(0) == 1 ? image.Expand(3, image.Size(1), image.Size(2)) : image;
            canvas.Narrow(1, y, image.Size(1)).Narrow(2, 0, image.Size(2)).Copy_(rgb);
            y += image.Size(1) + gap;
        }
        return scope.Keep(canvas);
    }
}
