using Ocular.Torch;

namespace Ocular.Vision.Tests;

/// <summary>Element-wise comparisons of float32 results with PyTorch's.</summary>
internal static class TensorAssert
{
    /// <summary>
    /// Asserts equal shapes and |actual − expected| ≤ rtol·|expected| + atol·max|expected| for every
    /// element: the absolute part scales with the tensor's magnitude, because deep float32 networks
    /// with different reduction orders differ by a few ulps of their largest values. A NaN matches
    /// only a NaN and an infinity only the same infinity; the scale is taken over finite values, so
    /// that neither can widen the bound of the other elements.
    /// </summary>
    public static void Close(Tensor expected, Tensor actual, double rtol = 1e-4, double atol = 1e-4, string what = "")
    {
        Assert.Equal(expected.Shape, actual.Shape);
        using var e = expected.To(ScalarType.Float64);
        using var a = actual.To(ScalarType.Float64);
        var ev = e.ToArray<double>();
        var av = a.ToArray<double>();
        var scale = ev.Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).Max();
        var failures = 0;
        var worst = double.NegativeInfinity;
        var worstIndex = -1;
        for (var i = 0; i < ev.Length; i++)
        {
            if (ev[i] == av[i] || (double.IsNaN(ev[i]) && double.IsNaN(av[i]))) continue;
            var diff = Math.Abs(av[i] - ev[i]);
            var bound = rtol * Math.Abs(ev[i]) + atol * scale;
            // Written as !(diff <= bound) so that a NaN difference (a NaN on one side only) fails; an infinity that is not
            // equal to the other side fails too, since its relative bound would be infinite and accept anything.
            if (!(diff <= bound) || double.IsInfinity(ev[i]) || double.IsInfinity(av[i]))
            {
                failures++;
                var excess = double.IsNaN(diff) ? double.PositiveInfinity : diff - bound;
                if (worstIndex < 0 || excess > worst)
                {
                    worst = excess;
                    worstIndex = i;
                }
            }
        }
        Assert.True(failures == 0,
            failures == 0 ? "" : $"{what}: {failures} of {ev.Length} elements differ; the worst, element {worstIndex}, is {av[worstIndex]}, " +
                                 $"expected {ev[worstIndex]} (max |expected| {scale}, rtol {rtol}, atol {atol}·max)");
    }
}
