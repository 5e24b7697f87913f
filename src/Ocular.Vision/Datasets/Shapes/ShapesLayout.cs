using Ocular.Torch;

namespace Ocular.Vision.Datasets.Shapes;

/// <summary>
/// Places the objects of one Shapes image: the red evidence object, whose shape is the label, then the
/// distractors (any of the data set's shapes, any colour but red), all inside the image and without
/// overlap — every pair of containing circles is at least a gap apart — so no object occludes another.
/// </summary>
internal static class ShapesLayout
{
    public static List<ShapesObject> Place(ShapesOptions options, int label, UniformStream u)
    {
        var size = (double)options.ImageSize;
        var gap = Math.Max(2.0, size / 32);
        var distractors = options.MinDistractors + u.Below(options.MaxDistractors - options.MinDistractors + 1);
        var objects = new List<ShapesObject>(1 + distractors);
        for (var k = 0; k <= distractors; k++)
        {
            var shape = k == 0 ? (ShapeKind)label : (ShapeKind)u.Below(options.Classes);
            var colour = k == 0 ? ShapeColour.Red : (ShapeColour)(1 + u.Below(5));
            var radius = size * (0.11 + 0.06 * u.Next());
            var rotation = 2 * Math.PI * u.Next();
            var brightness = 0.85 + 0.15 * u.Next();
            // Rejection sampling of the centre; a crowded image shrinks the new object until it fits.
            for (var attempt = 0; ; attempt++)
            {
                if (attempt > 0 && attempt % 50 == 0) radius *= 0.9;
                var margin = radius + 1;
                var x = margin + (size - 1 - 2 * margin) * u.Next();
                var y = margin + (size - 1 - 2 * margin) * u.Next();
                if (objects.All(o => Distance(o.X, o.Y, x, y) >= o.Radius + radius + gap))
                {
                    objects.Add(new ShapesObject(shape, colour, x, y, radius, rotation, brightness));
                    break;
                }
            }
        }
        return objects;
    }

    private static double Distance(double x0, double y0, double x1, double y1) => Math.Sqrt((x0 - x1) * (x0 - x1) + (y0 - y1) * (y0 - y1));
}

/// <summary>Uniform [0, 1) numbers drawn from a libtorch generator in blocks (one tensor op per block, not per number).</summary>
internal sealed class UniformStream(Generator generator, int block = 64)
{
    private double[] _values = [];
    private int _next;

    public double Next()
    {
        if (_next == _values.Length)
        {
            using var draw = Tensor.Rand([block], generator, ScalarType.Float64);
            _values = draw.ToArray<double>();
            _next = 0;
        }
        return _values[_next++];
    }

    /// <summary>An integer uniformly drawn from [0, <paramref name="n"/>).</summary>
    public int Below(int n) => Math.Min(n - 1, (int)(Next() * n));
}
