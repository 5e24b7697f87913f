using Ocular.Explain.Learned.LCam;
using Ocular.Torch;

namespace Ocular.Explain.Tests.LCam;

/// <summary>The L-CAM loss against PyTorch (tests/fixtures/lcam/make_lcam.py) and the reference's conformance numbers (l-cam.md §10).</summary>
public class LCamLossTests
{
    [Theory]
    [InlineData(MaskLossSelection.OwnClass, "own")]
    [InlineData(MaskLossSelection.CrossLabel, "cross")]
    public void EqualsThePyTorchReference(MaskLossSelection selection, string key)
    {
        using var f = Fixtures.Load("lcam", "lcam_loss.safetensors");
        using var a = f.Tensors["logit_maps"].Sigmoid();
        var targets = f.Tensors["targets"];
        using var maps = LCamLoss.SelectMaps(a, targets, selection);
        Assert.Equal(selection == MaskLossSelection.OwnClass ? new long[] { 3, 1, 5, 6 } : [3, 3, 5, 6], maps.Shape);
        using var terms = LCamLoss.Compute(f.Tensors["logits"], targets, maps);
        foreach (var (name, value) in new[] { ("total", terms.Total), ("ce", terms.CrossEntropy), ("area", terms.Area), ("tv", terms.TotalVariation) })
            Assert.Equal(f.Tensors[$"{key}.{name}"].ToArray<double>()[0], value.Item<double>(), 12);
        if (selection == MaskLossSelection.OwnClass)
            Assert.True(maps.Equal(f.Tensors["own.maps"]));
    }

    [Fact]
    public void AConstantHalfMapGivesTheConformanceNumbers()
    {
        // §10: A ≡ 0.5, own-map mode, N = 1, 7×7: λ2·area = 2·0.5005^0.3 ≈ 1.62499; TV = 0.3·(4·7·0.25)/2 = 1.05.
        using var a = Tensor.Full([1, 1, 7, 7], 0.5, ScalarType.Float64);
        using var area = LCamLoss.Area(a);
        Assert.Equal(1.62499, 2 * area.Item<double>(), 5);
        Assert.Equal(2 * Math.Pow(0.5005, 0.3), 2 * area.Item<double>(), 12);
        using var tv = LCamLoss.TotalVariation(a);
        Assert.Equal(1.05, tv.Item<double>(), 12);
    }

    [Fact]
    public void TheTotalVariationDividesByTwiceTheBatchAndCountsCornersTwice()
    {
        // One 2×2 map [[1, 0], [0, 0]] in a batch of 2 (the other map zero): differences 1 + 1, border 0.3·(1 + 1) (row 0 and column 0).
        using var a = Tensor.FromArray(new double[] { 1, 0, 0, 0, 0, 0, 0, 0 }, 2, 1, 2, 2);
        using var tv = LCamLoss.TotalVariation(a);
        Assert.Equal((2 + 0.3 * 2) / 4, tv.Item<double>(), 12);
    }
}
