using System.Globalization;
using Ocular.Torch;
using Ocular.Vision.Interop;
using F = Ocular.Torch.Functional;

namespace Ocular.Vision.Images;

/// <summary>
/// Draws a confusion matrix as a picture: one square cell per (true class, predicted class), coloured by the share of
/// the true class's images predicted as that class (row-normalised, so the diagonal shows each class's accuracy), with
/// the count written in the cell when there is room, the true classes labelled on the left (<c>index name</c>) and the
/// predicted classes by index on top. Text is drawn by OpenCV (<c>cv::putText</c>, ASCII).
/// </summary>
public static class ConfusionMatrixImage
{
    private static readonly double[] Black = [0, 0, 0];
    private static readonly double[] White = [255, 255, 255];

    /// <summary>Renders <paramref name="counts"/> <c>[true, predicted]</c>; returns uint8 RGB <c>[3, H, W]</c>.</summary>
    /// <param name="counts">The square matrix of counts.</param>
    /// <param name="classNames">One name per row.</param>
    /// <param name="map">The colour map of the shares (0 → its first colour, 1 → its last).</param>
    public static Tensor Render(long[,] counts, IReadOnlyList<string> classNames, ColorMap map = ColorMap.Viridis)
    {
        var k = counts.GetLength(0);
        if (k == 0 || counts.GetLength(1) != k || classNames.Count != k)
            throw new ArgumentException($"expected a square matrix with one name per class, got {counts.GetLength(0)}×{counts.GetLength(1)} and {classNames.Count} names");
        var cell = k <= 12 ? 44 : k <= 40 ? 22 : Math.Max(2, 900 / k);
        const double scale = 0.4;
        var rowLabels = Enumerable.Range(0, k).Select(i => $"{i} {Truncate(classNames[i], 24)}").ToArray();
        var labelWidth = rowLabels.Max(l => Raster.TextSize(l, scale).Width);
        var (_, textHeight, baseline) = Raster.TextSize("0123456789", scale);
        var showColumns = cell >= 14;
        var left = 10 + labelWidth + 8;
        var top = 10 + textHeight + baseline + 8 + (showColumns ? textHeight + baseline + 6 : 0);
        var side = k * cell;
        var (height, width) = (top + side + 10, left + side + 10);

        var shares = new float[k * k];
        for (var i = 0; i < k; i++)
        {
            long row = 0;
            for (var j = 0; j < k; j++) row += counts[i, j];
            for (var j = 0; j < k; j++) shares[i * k + j] = row == 0 ? 0f : (float)counts[i, j] / row;
        }

        using var scope = DisposeScope.Enter();
        var canvas = Tensor.Full([height, width, 3], 255, ScalarType.UInt8);
        var values = Tensor.FromArray(shares, k, k);
        var coloured = ColorMaps.Apply(values, map).To(ScalarType.Float32).Unsqueeze(0);         // [1, 3, k, k]
        var cells = F.Interpolate(coloured, new Pair(side, side), mode: InterpolationMode.Nearest); // one block per cell
        canvas.Narrow(0, top, side).Narrow(1, left, side).Copy_(cells.Squeeze(0).Permute(1, 2, 0).To(ScalarType.UInt8));

        Raster.Text(canvas, "true \\ predicted", 10, 10 + textHeight, scale, Black);
        for (var i = 0; i < k; i++)
        {
            var y = top + i * cell + (cell + textHeight) / 2;
            if (cell >= 10) Raster.Text(canvas, rowLabels[i], 10, y, scale, Black);
            if (showColumns)
            {
                var label = i.ToString(CultureInfo.InvariantCulture);
                var w = Raster.TextSize(label, scale).Width;
                Raster.Text(canvas, label, left + i * cell + (cell - w) / 2, top - baseline - 4, scale, Black);
            }
        }
        if (cell >= 22)
        {
            for (var i = 0; i < k; i++)
                for (var j = 0; j < k; j++)
                {
                    var text = counts[i, j].ToString(CultureInfo.InvariantCulture);
                    var (w, h, _) = Raster.TextSize(text, scale);
                    if (w > cell - 2) continue;
                    // Viridis, inferno and jet are dark at the low end: light text there, dark text on the bright half.
                    var colour = shares[i * k + j] < 0.5f ? White : Black;
                    Raster.Text(canvas, text, left + j * cell + (cell - w) / 2, top + i * cell + (cell + h) / 2, scale, colour);
                }
        }
        return scope.Keep(canvas.Permute(2, 0, 1).Contiguous());
    }

    private static string Truncate(string name, int max) => name.Length <= max ? name : name[..(max - 1)] + "~";
}
