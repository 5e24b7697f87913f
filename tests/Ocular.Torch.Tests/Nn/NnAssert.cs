namespace Ocular.Torch.Tests.Nn;

/// <summary>Element-wise comparisons with a stated tolerance, reporting the worst element.</summary>
internal static class NnAssert
{
    /// <summary>|actual − expected| ≤ atol + rtol·|expected| everywhere, with equal shapes (compared in float64).</summary>
    public static void Close(Tensor expected, Tensor actual, double rtol, double atol, string what)
    {
        Assert.True(expected.Shape.SequenceEqual(actual.Shape),
            $"{what}: shape {Tensor.ShapeString(actual.Shape)}, expected {Tensor.ShapeString(expected.Shape)}");
        using var e = expected.To(ScalarType.Float64);
        using var a = actual.To(ScalarType.Float64);
        var ev = e.ToArray<double>();
        var av = a.ToArray<double>();
        var worst = -1;
        var worstExcess = 0.0;
        for (var i = 0; i < ev.Length; i++)
        {
            var excess = Math.Abs(av[i] - ev[i]) - (atol + rtol * Math.Abs(ev[i]));
            if (excess > worstExcess || double.IsNaN(av[i]) != double.IsNaN(ev[i]))
            {
                worst = i;
                worstExcess = double.IsNaN(excess) ? double.PositiveInfinity : excess;
            }
        }
        Assert.True(worst < 0, worst < 0 ? "" : $"{what}: element {worst} is {av[worst]:R}, expected {ev[worst]:R} (rtol {rtol}, atol {atol})");
    }

    /// <summary>Each value within rtol of the expected one (for learning rates and other doubles).</summary>
    public static void Close(IReadOnlyList<double> expected, IReadOnlyList<double> actual, double rtol, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= rtol * Math.Abs(expected[i]),
                $"{what}[{i}]: {actual[i]:R}, expected {expected[i]:R} (rtol {rtol})");
    }

    /// <summary>Row <paramref name="row"/> of a float64 [rows, columns] tensor.</summary>
    public static double[] Row(Tensor table, int row)
    {
        using var r = table.Select(0, row);
        using var c = r.Contiguous();
        return c.ToArray<double>();
    }
}
