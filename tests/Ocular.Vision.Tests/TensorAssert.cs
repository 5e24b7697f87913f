using Ocular.Torch;

namespace Ocular.Vision.Tests;

/// <summary>Element-wise comparisons of float32 results with PyTorch's.</summary>
internal static class TensorAssert
{
    /// <summary>
    /// Asserts equal shapes and |actual − expected| ≤ rtol·|expected| + atol·max|expected| for every
    /// element: the absolute part scales with the tensor's magnitude, because deep float32 networks
    /// with different reduction orders differ by a few ulps of their largest values.
    /// </summary>
    public static void Close(Tensor expected, Tensor actual, double rtol = 1e-4, double atol = 1e-4, string what = "")
    {
        Assert.Equal(expected.Shape, actual.Shape);
        var e = expected.To(ScalarType.Float64);
        var a = actual.To(ScalarType.Float64);
        try
        {
            var ev = e.ToArray<double>();
            var av = a.ToArray<double>();
            var scale = ev.Length == 0 ? 0 : ev.Max(Math.Abs);
            var worst = 0.0;
            var worstIndex = -1;
            for (var i = 0; i < ev.Length; i++)
            {
                var excess = Math.Abs(av[i] - ev[i]) - (rtol * Math.Abs(ev[i]) + atol * scale);
                if (excess > worst)
                {
                    worst = excess;
                    worstIndex = i;
                }
            }
            Assert.True(worstIndex < 0,
                worstIndex < 0 ? "" : $"{what}: element {worstIndex} is {av[worstIndex]}, expected {ev[worstIndex]} (max |expected| {scale}, rtol {rtol}, atol {atol}·max)");
            Assert.True(scale > 0 || ev.Length == 0 || av.All(v => v == 0), $"{what}: expected all zeros");
        }
        finally
        {
            e.Dispose();
            a.Dispose();
        }
    }
}
