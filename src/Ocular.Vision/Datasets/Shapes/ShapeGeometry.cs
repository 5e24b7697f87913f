using Ocular.Torch;
using Ocular.Vision.Interop;

namespace Ocular.Vision.Datasets.Shapes;

/// <summary>
/// The outlines of the shapes, each inside the unit circle, and their rasterisation (OpenCV, no
/// antialiasing, so that a drawn pixel either belongs to an object or does not).
/// </summary>
internal static class ShapeGeometry
{
    private static readonly (double X, double Y)[] Square = Regular(4, 0.95, Math.PI / 4);
    private static readonly (double X, double Y)[] Triangle = Regular(3, 1.0, -Math.PI / 2);
    private static readonly (double X, double Y)[] Hexagon = Regular(6, 0.95, 0);
    private static readonly (double X, double Y)[] Star = MakeStar(5, 1.0, 0.45);
    private static readonly (double X, double Y)[] Cross = MakeCross(0.93, 0.32);
    private static readonly (double X, double Y)[] Heart = MakeHeart(0.95);

    /// <summary>Draws <paramref name="o"/> into the uint8 [H, W] map with the value <paramref name="value"/>.</summary>
    public static void Draw(Tensor map, ShapesObject o, byte value)
    {
        ReadOnlySpan<double> colour = [value];
        switch (o.Shape)
        {
            case ShapeKind.Circle:
                Raster.Circle(map, o.X, o.Y, 0.85 * o.Radius, null, colour);
                return;
            case ShapeKind.Ring:
                // An annulus from 0.9 r out to about 0.45 r in: cv::circle draws the stroke centred on its radius.
                var thickness = Math.Max(2, (int)Math.Round(0.4 * o.Radius));
                Raster.Circle(map, o.X, o.Y, 0.9 * o.Radius - thickness / 2.0, thickness, colour);
                return;
        }
        var unit = o.Shape switch
        {
            ShapeKind.Square => Square,
            ShapeKind.Triangle => Triangle,
            ShapeKind.Star => Star,
            ShapeKind.Cross => Cross,
            ShapeKind.Hexagon => Hexagon,
            ShapeKind.Heart => Heart,
            _ => throw new ArgumentOutOfRangeException(nameof(o), o.Shape, "unknown shape"),
        };
        Span<(double X, double Y)> points = stackalloc (double, double)[unit.Length];
        var (cos, sin) = (Math.Cos(o.Rotation), Math.Sin(o.Rotation));
        for (var i = 0; i < unit.Length; i++)
        {
            var (x, y) = unit[i];
            points[i] = (o.X + o.Radius * (cos * x - sin * y), o.Y + o.Radius * (sin * x + cos * y));
        }
        Raster.FillPolygon(map, points, colour);
    }

    private static (double X, double Y)[] Regular(int n, double r, double phase) =>
        Enumerable.Range(0, n).Select(k => Polar(r, phase + 2 * Math.PI * k / n)).ToArray();

    private static (double X, double Y)[] MakeStar(int points, double outer, double inner) =>
        Enumerable.Range(0, 2 * points).Select(k => Polar(k % 2 == 0 ? outer : inner, -Math.PI / 2 + Math.PI * k / points)).ToArray();

    // A plus sign: arms of half-width w reaching a from the centre (corners at sqrt(a² + w²) < 1).
    private static (double X, double Y)[] MakeCross(double a, double w) =>
    [
        (w, a), (w, w), (a, w), (a, -w), (w, -w), (w, -a), (-w, -a), (-w, -w), (-a, -w), (-a, w), (-w, w), (-w, a),
    ];

    // The classic heart curve x = 16 sin³t, y = 13 cos t − 5 cos 2t − 2 cos 3t − cos 4t (y flipped: rows grow
    // downwards), centred on its bounding box and scaled so that its farthest point is at radius r.
    private static (double X, double Y)[] MakeHeart(double r)
    {
        var raw = Enumerable.Range(0, 40).Select(k =>
        {
            var t = 2 * Math.PI * k / 40;
            return (X: 16 * Math.Pow(Math.Sin(t), 3), Y: -(13 * Math.Cos(t) - 5 * Math.Cos(2 * t) - 2 * Math.Cos(3 * t) - Math.Cos(4 * t)));
        }).ToArray();
        var (cx, cy) = ((raw.Min(p => p.X) + raw.Max(p => p.X)) / 2, (raw.Min(p => p.Y) + raw.Max(p => p.Y)) / 2);
        var scale = r / raw.Max(p => Math.Sqrt((p.X - cx) * (p.X - cx) + (p.Y - cy) * (p.Y - cy)));
        return raw.Select(p => ((p.X - cx) * scale, (p.Y - cy) * scale)).ToArray();
    }

    private static (double X, double Y) Polar(double r, double angle) => (r * Math.Cos(angle), r * Math.Sin(angle));
}
