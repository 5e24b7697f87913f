using Ocular.Torch;

namespace Ocular.Vision.Interop;

/// <summary>
/// Draws filled polygons and circles into a contiguous CPU uint8 tensor <c>[H, W]</c> or <c>[H, W, C]</c>
/// in place, through OpenCV (<c>cv::fillPoly</c>, <c>cv::circle</c>). Coordinates are in pixels, with
/// pixel centres at integer coordinates (OpenCV's convention); they are passed with 8 fractional bits.
/// </summary>
internal static class Raster
{
    private const int Shift = 8;
    private const double One = 1 << Shift;

    /// <summary>Fills the polygon whose vertices are <paramref name="points"/>.</summary>
    public static unsafe void FillPolygon(Tensor image, ReadOnlySpan<(double X, double Y)> points, ReadOnlySpan<double> colour, bool antialias = false)
    {
        Span<int> xy = points.Length <= 64 ? stackalloc int[2 * points.Length] : new int[2 * points.Length];
        for (var i = 0; i < points.Length; i++)
        {
            xy[2 * i] = Fixed(points[i].X);
            xy[2 * i + 1] = Fixed(points[i].Y);
        }
        fixed (int* p = xy)
        fixed (double* c = colour)
            TorchException.Check(NativeDraw.ocl_draw_fill_poly(image.Handle, p, points.Length, Shift, c, colour.Length, antialias ? 1 : 0));
    }

    /// <summary>
    /// Draws a circle: filled when <paramref name="thickness"/> is null, else a ring of that many pixels
    /// centred on <paramref name="radius"/>.
    /// </summary>
    public static unsafe void Circle(Tensor image, double cx, double cy, double radius, int? thickness, ReadOnlySpan<double> colour, bool antialias = false)
    {
        fixed (double* c = colour)
            TorchException.Check(NativeDraw.ocl_draw_circle(image.Handle, Fixed(cx), Fixed(cy), Fixed(radius), thickness ?? -1, Shift, c,
                colour.Length, antialias ? 1 : 0));
    }

    /// <summary>
    /// Writes ASCII <paramref name="text"/> in OpenCV's Hershey simplex font with the left end of its baseline at
    /// (<paramref name="x"/>, <paramref name="y"/>) (<c>cv::putText</c>); other characters are drawn as '?'.
    /// </summary>
    public static unsafe void Text(Tensor image, string text, int x, int y, double scale, ReadOnlySpan<double> colour, int thickness = 1, bool antialias = true)
    {
        fixed (double* c = colour)
            TorchException.Check(NativeDraw.ocl_draw_text(image.Handle, Ascii(text), x, y, HersheySimplex, scale, thickness, c, colour.Length, antialias ? 1 : 0));
    }

    /// <summary>The width, the height above the baseline and the depth below it of <paramref name="text"/> as <see cref="Text"/> draws it (<c>cv::getTextSize</c>).</summary>
    public static unsafe (int Width, int Height, int Baseline) TextSize(string text, double scale, int thickness = 1)
    {
        var size = stackalloc int[3];
        TorchException.Check(NativeDraw.ocl_draw_text_size(Ascii(text), HersheySimplex, scale, thickness, size));
        return (size[0], size[1], size[2]);
    }

    private const int HersheySimplex = 0; // cv::FONT_HERSHEY_SIMPLEX

    private static string Ascii(string text) => string.Concat(text.Select(ch => ch is >= ' ' and <= '~' ? ch : '?'));

    private static int Fixed(double v) => checked((int)Math.Round(v * One));
}
