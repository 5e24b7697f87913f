using Ocular.Torch;

namespace Ocular.Evaluation.Metrics;

/// <summary>
/// Energy-based pointing game (Wang et al., Score-CAM, CVPRW 2020): the share of the map's energy
/// inside the ground truth, Σ_{(y,x)∈object} L_yx / Σ L_yx, with L the normalised map at input size;
/// higher is better; mean over images with a non-empty mask and a non-zero map. Boxes are rasterised
/// as [y1:y2, x1:x2] (the reference implementation's [x1:x2, y1:y2] swaps the axes; that defect is not
/// reproduced).
/// </summary>
public static class EnergyPointingGame
{
    /// <summary>Per-image proportions (NaN when not counted) and their mean.</summary>
    /// <param name="Proportions">Energy inside the object per image.</param>
    /// <param name="Mean">Mean over counted images.</param>
    public sealed record Result(double[] Proportions, double Mean);

    /// <summary>Evaluates maps [N, H, W] against masks [N, H, W] (non-zero = object).</summary>
    public static Result Evaluate(Tensor maps, Tensor masks)
    {
        PointingGame.CheckShapes(maps, masks, maps.Size(0));
        using var scope = DisposeScope.Enter();
        var energy = maps.To(ScalarType.Float64).ClampMin(0);
        var inside = energy.Mul(masks.Ne(0)).Sum([1, 2]);
        var total = energy.Sum([1, 2]);
        var counted = masks.Ne(0).Sum([1, 2]).Gt(0).LogicalAnd(total.Gt(0));
        var proportions = Tensor.Where(counted, inside.Div(total), double.NaN).ToArray<double>();
        var valid = proportions.Where(p => !double.IsNaN(p)).ToList();
        return new Result(proportions, valid.Count == 0 ? double.NaN : valid.Average());
    }

    /// <summary>Rasterises boxes (x1, y1, x2, y2; end-exclusive pixel coordinates) into [N, H, W] masks as [y1:y2, x1:x2].</summary>
    public static Tensor BoxMasks(IReadOnlyList<(int X1, int Y1, int X2, int Y2)> boxes, int height, int width)
    {
        using var scope = DisposeScope.Enter();
        var ys = Tensor.Arange(height).View(1, height, 1);
        var xs = Tensor.Arange(width).View(1, 1, width);
        var x1 = Tensor.FromArray(boxes.Select(b => (long)b.X1).ToArray()).View(-1, 1, 1);
        var y1 = Tensor.FromArray(boxes.Select(b => (long)b.Y1).ToArray()).View(-1, 1, 1);
        var x2 = Tensor.FromArray(boxes.Select(b => (long)b.X2).ToArray()).View(-1, 1, 1);
        var y2 = Tensor.FromArray(boxes.Select(b => (long)b.Y2).ToArray()).View(-1, 1, 1);
        var inY = ys.Ge(y1).LogicalAnd(ys.Lt(y2));
        var inX = xs.Ge(x1).LogicalAnd(xs.Lt(x2));
        return scope.Keep(inY.LogicalAnd(inX));
    }
}
