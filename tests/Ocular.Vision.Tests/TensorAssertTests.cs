using Ocular.Torch;
using Xunit.Sdk;

namespace Ocular.Vision.Tests;

/// <summary>The comparison the zoo, capture and split tests rely on must be able to fail: NaN and infinities included.</summary>
public class TensorAssertTests
{
    private static Tensor Of(params float[] values) => Tensor.FromArray(values);

    [Fact]
    public void ANaNOnOneSideFails()
    {
        using var expected = Of(1, 2, 3);
        using var actual = Of(1, float.NaN, 3);
        var e = Assert.ThrowsAny<XunitException>(() => TensorAssert.Close(expected, actual, what: "nan"));
        Assert.Contains("1 of 3 elements differ; the worst, element 1, is NaN", e.Message);
        Assert.ThrowsAny<XunitException>(() => TensorAssert.Close(actual, expected, what: "nan expected"));
    }

    [Fact]
    public void NaNMatchesNaNAndAnInfinityOnlyItself()
    {
        using var expected = Of(float.NaN, float.PositiveInfinity, 1);
        using var same = Of(float.NaN, float.PositiveInfinity, 1);
        TensorAssert.Close(expected, same);
        using var negated = Of(float.NaN, float.NegativeInfinity, 1);
        Assert.ThrowsAny<XunitException>(() => TensorAssert.Close(expected, negated));
        using var finite = Of(float.NaN, 5, 1);
        Assert.ThrowsAny<XunitException>(() => TensorAssert.Close(expected, finite));
        // The infinity does not widen the absolute part of the bound (max |expected| over finite values only).
        using var off = Of(float.NaN, float.PositiveInfinity, 2);
        Assert.ThrowsAny<XunitException>(() => TensorAssert.Close(expected, off));
    }

    [Fact]
    public void DifferencesWithinTheBoundPassAndBeyondItFail()
    {
        using var expected = Of(100, 1);
        using var inside = Of(100, 1.005f);    // 0.005 ≤ 1e-4·1 + 1e-4·100 = 0.0101
        TensorAssert.Close(expected, inside);
        using var outside = Of(100, 1.03f);
        Assert.ThrowsAny<XunitException>(() => TensorAssert.Close(expected, outside));
    }
}
