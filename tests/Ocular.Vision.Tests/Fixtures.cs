using Ocular.Torch;
using Ocular.Torch.Serialization;

namespace Ocular.Vision.Tests;

/// <summary>Loads the committed golden fixtures (tests/fixtures, copied beside the test assembly).</summary>
internal static class Fixtures
{
    public static string Path(params string[] parts) =>
        System.IO.Path.Combine([AppContext.BaseDirectory, "fixtures", .. parts]);

    public static SafeTensors.Contents Load(params string[] parts) => SafeTensors.Load(Path(parts));

    /// <summary>The largest absolute difference between two tensors of the same shape (compared in float64).</summary>
    public static double MaxAbsDiff(Tensor actual, Tensor expected)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        using var a = actual.To(ScalarType.Float64);
        using var e = expected.To(ScalarType.Float64);
        using var d = a.Sub(e);
        using var abs = d.Abs();
        using var max = abs.NumEl == 0 ? Tensor.Zeros(1) : abs.Max();
        return max.Item<double>();
    }

    /// <summary>Asserts equal shape, element type and elements.</summary>
    public static void AssertEqual(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.Equal(expected.DType, actual.DType);
        Assert.Equal(0.0, MaxAbsDiff(actual, expected));
    }

    /// <summary>Asserts equal shape and element type, and elements within <paramref name="tolerance"/>.</summary>
    public static void AssertClose(Tensor expected, Tensor actual, double tolerance)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.Equal(expected.DType, actual.DType);
        var diff = MaxAbsDiff(actual, expected);
        Assert.True(diff <= tolerance, $"max |difference| {diff} exceeds the tolerance {tolerance}");
    }
}
