using Ocular.Evaluation.Metrics;
using Ocular.Torch;

namespace Ocular.Evaluation.Tests;

/// <summary>
/// LFI-CAM's stability IoU in its four settings against stability.safetensors (make_stability.py runs the original's
/// cv2/numpy chain and its utils/metrics.py comparison), and the conformance checks of lfi-cam.md §8.
/// </summary>
public class StabilityIoUTests
{
    private static readonly Pair Size = new(32, 32);

    public static TheoryData<string, ExportQuantisation, IoUMode, int> Settings()
    {
        var data = new TheoryData<string, ExportQuantisation, IoUMode, int>();
        foreach (var set in new[] { "raw", "full" })
            foreach (var export in new[] { ExportQuantisation.Float, ExportQuantisation.OriginalUint8 })
                foreach (var mode in new[] { IoUMode.PerImage, IoUMode.PerRowOriginal })
                    foreach (var t in new[] { 0, 100 })
                        data.Add(set, export, mode, t);
        return data;
    }

    [Theory]
    [MemberData(nameof(Settings))]
    public void MatchesTheOriginalChainAndOcularsDefinition(string set, ExportQuantisation export, IoUMode mode, int threshold)
    {
        using var fixture = Fixtures.Load("evaluation", "stability.safetensors");
        var key = $"{set}_{(export == ExportQuantisation.Float ? "float" : "uint8")}_{(mode == IoUMode.PerImage ? "image" : "rows")}_t{threshold}";
        var result = StabilityIoU.Evaluate(fixture.Tensors[$"{set}_a"], fixture.Tensors[$"{set}_b"], threshold, mode, export, Size);
        Assert.Equal(fixture.Tensors[key + "_iou"].ToArray<double>(), result.IoU, new Tolerance(1e-12));
        Assert.Equal(fixture.Tensors[key + "_dice"].ToArray<double>(), result.Dice, new Tolerance(1e-12));
        var means = fixture.Tensors[key + "_mean"].ToArray<double>();
        Assert.Equal(means[0], result.MeanIoU, 12);
        Assert.Equal(means[1], result.MeanDice, 12);
    }

    [Theory]
    [InlineData("raw")]
    [InlineData("full")]
    public void OriginalExportIsTheOriginalsUint8MapBitForBit(string set)
    {
        using var fixture = Fixtures.Load("evaluation", "stability.safetensors");
        foreach (var side in new[] { "a", "b" })
        {
            using var exported = OriginalMapExport.Apply(fixture.Tensors[$"{set}_{side}"], Size);
            Assert.Equal(new long[] { set == "raw" ? 5 : 4, 32, 32 }, exported.Shape);
            Assert.Equal(ScalarType.UInt8, exported.DType);
            Assert.Equal(fixture.Tensors[$"{set}_export_{side}"].ToArray<byte>(), exported.ToArray<byte>());
        }
    }

    [Fact]
    public void OriginalExportWrapsTheMaximumToZeroAndZeroesConstantMaps()
    {
        // A ramp 0, 1/15, …, 1: ×255 → 0, 17, …, 255; min–max ×256 → 0, 17.06…, …, 256 → uint8 0, 17, …, 0 (wrapped).
        using var ramp = Tensor.Arange(16, ScalarType.Float32).Div(15).View(1, 4, 4);
        using var constant = Tensor.Full([1, 4, 4], 0.3, ScalarType.Float32);
        using var maps = Tensor.Cat([ramp, constant], 0);
        using var exported = OriginalMapExport.Apply(maps);
        var values = exported.ToArray<byte>();
        Assert.Equal(0, values[15]);
        Assert.Equal(17, values[1]);
        Assert.Equal(238, values[14]);
        Assert.All(values.Skip(16), v => Assert.Equal(0, v));
    }

    [Theory]
    [InlineData(IoUMode.PerImage, ExportQuantisation.Float)]
    [InlineData(IoUMode.PerImage, ExportQuantisation.OriginalUint8)]
    [InlineData(IoUMode.PerRowOriginal, ExportQuantisation.Float)]
    [InlineData(IoUMode.PerRowOriginal, ExportQuantisation.OriginalUint8)]
    public void IdenticalMapsScoreOne(IoUMode mode, ExportQuantisation export)
    {
        using var g = new Generator(4);
        using var maps = Tensor.Rand([3, 16, 16], g);
        var result = StabilityIoU.Evaluate(maps, maps, 100, mode, export);
        Assert.All(result.IoU, v => Assert.Equal(1.0, v, 12));
        Assert.Equal(1.0, result.MeanIoU, 12);
    }

    [Theory]
    [InlineData(ExportQuantisation.Float)]
    [InlineData(ExportQuantisation.OriginalUint8)]
    public void DisjointRegionsScoreZeroPerImageButOnePerEmptyRow(ExportQuantisation export)
    {
        // 8×8 maps: A lights rows 0–1, B rows 4–5 (columns 2–5); rows 2, 3, 6, 7 are empty in both. Each region has a
        // peak of 1 on one pixel: under the original export the maximum wraps to 0, and a flat region would vanish.
        using var a = Tensor.Zeros(1, 8, 8);
        using var b = Tensor.Zeros(1, 8, 8);
        using (var region = a.Narrow(1, 0, 2).Narrow(2, 2, 4)) region.Fill_(0.8);
        using (var region = b.Narrow(1, 4, 2).Narrow(2, 2, 4)) region.Fill_(0.8);
        using (var peak = a[0, 0, 2]) peak.Fill_(1.0);
        using (var peak = b[0, 4, 2]) peak.Fill_(1.0);
        var perImage = StabilityIoU.Evaluate(a, b, 100, IoUMode.PerImage, export);
        Assert.InRange(perImage.IoU[0], 0, 1e-7);
        var perRow = StabilityIoU.Evaluate(a, b, 100, IoUMode.PerRowOriginal, export);
        // Four rows score 1 (empty in both), four score 1e-6/(3·count + 1e-6) ≈ 0: the mean is 0.5 (+ < 1e-6).
        Assert.InRange(perRow.IoU[0], 0.5, 0.5 + 1e-6);
    }

    [Fact]
    public void PerRowCountsTheThreeChannelsOfTheOriginalsPng()
    {
        // One 1×4 image: A = 1100, B = 0110. Per row with 3 channels: I = 3, U = 9 → (3 + 1e-6)/(9 + 1e-6), not (1 + 1e-6)/(3 + 1e-6).
        using var a = Tensor.FromArray(new[] { true, true, false, false }, 1, 1, 4);
        using var b = Tensor.FromArray(new[] { false, true, true, false }, 1, 1, 4);
        var rows = StabilityIoU.Compare(a, b, IoUMode.PerRowOriginal);
        Assert.Equal((3 + 1e-6) / (9 + 1e-6), rows.IoU[0], 15);
        Assert.Equal(2 * (3 + 1e-6) / (12 + 1e-6), rows.Dice[0], 15);
        var image = StabilityIoU.Compare(a, b, IoUMode.PerImage);
        Assert.Equal((1 + 1e-6) / (3 + 1e-6), image.IoU[0], 15);
    }

    [Fact]
    public void ThresholdOutsideTheByteScaleIsRefused()
    {
        using var maps = Tensor.Rand([1, 4, 4]);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => StabilityIoU.Evaluate(maps, maps, 256, export: ExportQuantisation.OriginalUint8));
        Assert.Contains("0..255", e.Message);
    }

    private sealed class Tolerance(double epsilon) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= epsilon;
        public int GetHashCode(double value) => 0;
    }
}
