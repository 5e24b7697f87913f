using Ocular.Evaluation.Metrics;
using Ocular.Torch;

namespace Ocular.Evaluation.Tests;

public class LocalisationTests
{
    [Fact]
    public void PointingGameWithToleranceMatchesDistanceDefinition()
    {
        using var fixture = Fixtures.Load("evaluation", "localisation.safetensors");
        var result = PointingGame.Evaluate(fixture.Tensors["maps"], fixture.Tensors["masks"], [0, 1, 2, 3]);
        var expected = fixture.Tensors["pointing_hits"].ToArray<long>();
        for (var i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i] < 0 ? null : expected[i] == 1, result.Hits[i]);
    }

    [Fact]
    public void PointingGameAveragesOverCategories()
    {
        // Three images of category 0 (two hits) and one of category 1 (hit): (2/3 + 1)/2.
        using var maps = Tensor.Zeros(4, 5, 5);
        using var masks = Tensor.Zeros([4, 5, 5], ScalarType.Bool);
        for (var i = 0; i < 4; i++)
        {
            using var peak = maps[i, 2, 2];
            peak.Fill_(1);
        }
        foreach (var i in new[] { 0, 1, 3 })
        {
            using var region = masks[i, 2, 2];
            region.Fill_(true);
        }
        using var far = masks[2, 0, 0];
        far.Fill_(true);
        var result = PointingGame.Evaluate(maps, masks, [0, 0, 0, 1], tolerance: 1);
        Assert.Equal((2.0 / 3 + 1) / 2, result.Accuracy, 10);
        Assert.Equal(0.75, result.OverallAccuracy, 10);
    }

    [Fact]
    public void EnergyPointingGameMatchesReference()
    {
        using var fixture = Fixtures.Load("evaluation", "localisation.safetensors");
        var result = EnergyPointingGame.Evaluate(fixture.Tensors["maps"], fixture.Tensors["masks"]);
        var expected = fixture.Tensors["ebpg"].ToArray<double>();
        for (var i = 0; i < 3; i++) Assert.Equal(expected[i], result.Proportions[i], 10);
        Assert.True(double.IsNaN(result.Proportions[3]));
        Assert.Equal(expected.Take(3).Average(), result.Mean, 10);
    }

    [Fact]
    public void BoxesAreRasterisedRowsThenColumns()
    {
        using var masks = EnergyPointingGame.BoxMasks([(X1: 1, Y1: 0, X2: 4, Y2: 2)], height: 3, width: 5);
        Assert.Equal(new long[] { 1, 3, 5 }, masks.Shape);
        Assert.Equal(new[] { false, true, true, true, false, false, true, true, true, false, false, false, false, false, false }, masks.ToArray<bool>());
    }

    [Fact]
    public void PercentileIoUMatchesNumpyForBothRegions()
    {
        using var fixture = Fixtures.Load("evaluation", "localisation.safetensors");
        var high = PercentileIoU.Evaluate(fixture.Tensors["maps"], fixture.Tensors["reference"], 50);
        var low = PercentileIoU.Evaluate(fixture.Tensors["maps"], fixture.Tensors["reference"], 30, PercentileIoU.Region.LowOriginal);
        Assert.Equal(fixture.Tensors["iou50_high"].ToArray<double>(), high.PerImage, new Tolerance(1e-12));
        Assert.Equal(fixture.Tensors["iou30_low"].ToArray<double>(), low.PerImage, new Tolerance(1e-12));
    }

    [Fact]
    public void StabilityIoUIsPerImageNotPerRow()
    {
        using var fixture = Fixtures.Load("evaluation", "localisation.safetensors");
        var result = StabilityIoU.Evaluate(fixture.Tensors["maps"], fixture.Tensors["reference"]);
        Assert.Equal(fixture.Tensors["stability_iou"].ToArray<double>(), result.IoU, new Tolerance(1e-12));
        Assert.Equal(fixture.Tensors["stability_dice"].ToArray<double>(), result.Dice, new Tolerance(1e-12));
        var self = StabilityIoU.Evaluate(fixture.Tensors["maps"], fixture.Tensors["maps"]);
        Assert.All(self.IoU, v => Assert.Equal(1.0, v, 12));
    }

    private sealed class Tolerance(double epsilon) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= epsilon;
        public int GetHashCode(double value) => 0;
    }
}
