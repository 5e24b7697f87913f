using Ocular.Evaluation.Masking;
using Ocular.Torch;

namespace Ocular.Evaluation.Tests;

public class TopPercentMaskTests
{
    [Theory]
    [InlineData(50, 25088)]
    [InlineData(15, 7527)]
    public void KeepsLcamsPixelCountsAndSoftValuesOnTieFreeMaps(int keep, long expectedKept)
    {
        using var fixture = Fixtures.Load("evaluation", "drop_npercent.safetensors");
        using var generator = new Generator(11);
        using var maps = Tensor.Rand([2, 224, 224], generator);
        using var sum = maps.To(ScalarType.Float64).Sum();
        Assert.Equal(fixture.Tensors["maps_free_sum"].Item<double>(), sum.Item<double>(), 6);

        using var kept = TopPercentMask.Keep(maps, keep);
        using var positive = kept.Gt(0);
        using var counts = positive.Sum([1, 2]);
        Assert.Equal(new[] { expectedKept, expectedKept }, counts.ToArray<long>());
        Assert.True(positive.Equal(fixture.Tensors[$"free_keep{keep}_kept"]));
        using var original = maps.MaskedSelect(positive);
        using var values = kept.MaskedSelect(positive);
        Assert.True(values.Equal(original)); // kept pixels keep their soft values
    }

    [Theory]
    [InlineData(50)]
    [InlineData(15)]
    public void BreaksTiesInRasterOrderExactlyAsTheOriginal(int keep)
    {
        using var fixture = Fixtures.Load("evaluation", "drop_npercent.safetensors");
        using var kept = TopPercentMask.Keep(fixture.Tensors["maps_ties"], keep);
        Assert.True(kept.Equal(fixture.Tensors[$"ties_keep{keep}"]));
    }

    [Fact]
    public void HundredPercentReturnsTheMapUnchanged()
    {
        using var maps = Tensor.FromArray(new float[] { 0.1f, 0.9f, 0.4f, 0.2f }, 1, 2, 2);
        using var kept = TopPercentMask.Keep(maps, 100);
        Assert.Equal(maps.ToArray<float>(), kept.ToArray<float>());
    }

    [Fact]
    public void RejectsWrongShapesAndPercentages()
    {
        using var maps = Tensor.Zeros(2, 2);
        Assert.Throws<ArgumentException>(() => TopPercentMask.Keep(maps, 50));
        using var ok = Tensor.Zeros(1, 2, 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => TopPercentMask.Keep(ok, 0));
    }
}
