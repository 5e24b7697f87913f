using System.Diagnostics;
using Ocular.Torch;
using Ocular.Vision.Datasets;
using Ocular.Vision.Datasets.Shapes;
using Xunit.Abstractions;

namespace Ocular.Vision.Tests.Datasets;

public class ShapesDatasetTests(ITestOutputHelper output)
{
    private static byte[] Bytes(ShapesDataset data, int index)
    {
        using var sample = data.Get(index);
        return sample.Image.ToArray<byte>();
    }

    [Fact]
    public void TheSameSeedGivesTheSameBytesInAnyOrder()
    {
        var a = new ShapesDataset(new ShapesOptions { Count = 20, Seed = 7 });
        var b = new ShapesDataset(new ShapesOptions { Count = 20, Seed = 7 });
        var forward = Enumerable.Range(0, 20).Select(i => Bytes(a, i)).ToArray();
        for (var i = 19; i >= 0; i--) Assert.Equal(forward[i], Bytes(b, i));
        using var again = a.Get(5);
        using var evidenceAgain = b.Get(5);
        Assert.True(again.EvidenceMask!.Equal(evidenceAgain.EvidenceMask!));
        Assert.True(again.ConceptMasks!.Equal(evidenceAgain.ConceptMasks!));
    }

    [Fact]
    public void SeedsAndSplitsGiveDifferentImages()
    {
        var train = new ShapesDataset(new ShapesOptions { Count = 4, Seed = 7 });
        var other = new ShapesDataset(new ShapesOptions { Count = 4, Seed = 8 });
        var test = new ShapesDataset(new ShapesOptions { Count = 4, Seed = 7, Split = ShapesSplit.Test });
        for (var i = 0; i < 4; i++)
        {
            Assert.NotEqual(Bytes(train, i), Bytes(other, i));
            Assert.NotEqual(Bytes(train, i), Bytes(test, i));
        }
        Assert.NotEqual(Bytes(train, 0), Bytes(train, 1));
    }

    [Fact]
    public void TheRedObjectDecidesTheLabelAndItsPixelsAreTheEvidence()
    {
        var data = new ShapesDataset(new ShapesOptions { Count = 48, Seed = 3 });
        Assert.Equal(["circle", "square", "triangle", "star", "cross", "ring"], data.ClassNames);
        for (var i = 0; i < data.Count; i++)
        {
            var layout = data.Layout(i);
            using var sample = data.Get(i);
            Assert.Equal(i % 6, sample.Label);
            Assert.InRange(layout.Count, 3, 4);
            Assert.Single(layout, o => o.Colour == ShapeColour.Red);
            Assert.Equal((ShapeKind)sample.Label, layout.Single(o => o.IsEvidence).Shape);

            var mask = sample.EvidenceMask!;
            Assert.Equal([64L, 64], mask.Shape);
            Assert.Equal(ScalarType.Bool, mask.DType);
            var pixels = mask.ToArray<bool>();
            var count = pixels.Count(p => p);
            Assert.InRange(count, 20, 64 * 64 / 4);
            // Inside the image: no evidence pixel on the border.
            for (var k = 0; k < 64; k++)
                Assert.False(pixels[k] || pixels[63 * 64 + k] || pixels[k * 64] || pixels[k * 64 + 63], $"sample {i} touches the border");
            // The evidence pixels are red: mean R well above mean G and B.
            using var image = sample.Image.To(ScalarType.Float32);
            using var red = image.Select(0, 0).MaskedSelect(mask);
            using var green = image.Select(0, 1).MaskedSelect(mask);
            using var meanRed = red.Mean();
            using var meanGreen = green.Mean();
            Assert.True(meanRed.Item<double>() > meanGreen.Item<double>() + 100, $"sample {i}: evidence is not red");
        }
    }

    [Fact]
    public void ConceptMasksMarkEachObjectsShapeAndColour()
    {
        var data = new ShapesDataset(new ShapesOptions { Count = 30, Seed = 11, Classes = 8, MinDistractors = 4, MaxDistractors = 4 });
        Assert.Equal(8 + 6, data.ConceptNames.Count);
        for (var i = 0; i < data.Count; i++)
        {
            var layout = data.Layout(i);
            using var sample = data.Get(i);
            Assert.Equal(data.ConceptNames, sample.ConceptNames);
            Assert.Equal([14L, 64, 64], sample.ConceptMasks!.Shape);
            using var red = sample.ConceptMask("red");
            Assert.True(red.Equal(sample.EvidenceMask!), $"sample {i}: the red concept is not the evidence");

            using var shapes = sample.ConceptMasks.Narrow(0, 0, 8);
            using var colours = sample.ConceptMasks.Narrow(0, 8, 6);
            using var shapesPerPixel = shapes.Sum(0);
            using var coloursPerPixel = colours.Sum(0);
            // Every object pixel has exactly one shape and one colour; background has none.
            Assert.True(shapesPerPixel.Equal(coloursPerPixel));
            using var maxPerPixel = shapesPerPixel.Max();
            Assert.Equal(1L, maxPerPixel.Item<long>());
            for (var k = 0; k < 14; k++)
            {
                using var m = sample.ConceptMasks.Select(0, k);
                using var any = m.Any();
                var present = k < 8 ? layout.Any(o => (int)o.Shape == k) : layout.Any(o => (int)o.Colour == k - 8);
                Assert.Equal(present, any.Item<bool>());
            }
        }
        Assert.Throws<KeyNotFoundException>(() => { using var s = data.Get(0); s.ConceptMask("purple"); });
    }

    [Fact]
    public void ARingsHoleIsNotEvidence()
    {
        var data = new ShapesDataset(new ShapesOptions { Count = 6, Seed = 1 });
        var ring = data.Layout(5).Single(o => o.IsEvidence);
        Assert.Equal(ShapeKind.Ring, ring.Shape);
        using var sample = data.Get(5);
        using var centre = sample.EvidenceMask![(long)Math.Round(ring.Y), (long)Math.Round(ring.X)];
        Assert.False(centre.Item<bool>());
    }

    [Fact]
    public void SizeAndParametersAreConfigurable()
    {
        var data = new ShapesDataset(new ShapesOptions { Count = 3, ImageSize = 96, Classes = 3, MinDistractors = 0, MaxDistractors = 0 });
        using var sample = data.Get(2);
        Assert.Equal([3L, 96, 96], sample.Image.Shape);
        Assert.Equal(ScalarType.UInt8, sample.Image.DType);
        Assert.Single(data.Layout(2));
        Assert.Equal(["circle", "square", "triangle"], data.ClassNames);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShapesDataset(new ShapesOptions { Classes = 9 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Get(3));
    }

    [Fact]
    public void TenThousandImagesHaveEvidenceOfPlausibleSizeAndTheirTimeIsReported()
    {
        // Timing is reported, not asserted: wall time on a shared machine says little, so CPU time is printed too.
        var data = new ShapesDataset(new ShapesOptions { Count = 10_000, Seed = 0 });
        using (data.Get(0)) { }
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        long evidencePixels = 0;
        Parallel.For(0, data.Count, i =>
        {
            using var sample = data.Get(i);
            using var count = sample.EvidenceMask!.Sum();
            Interlocked.Add(ref evidencePixels, count.Item<long>());
        });
        wall.Stop();
        process.Refresh();
        var cpuSeconds = (process.TotalProcessorTime - cpu).TotalSeconds;
        output.WriteLine($"Shapes: 10,000 images of 64x64 in {wall.Elapsed.TotalSeconds:F2} s wall on {Environment.ProcessorCount} cores " +
                         $"({cpuSeconds:F2} s CPU, {cpuSeconds / 10:F3} ms CPU per image; libtorch threads {Engine.NumThreads}); " +
                         $"mean evidence {evidencePixels / 10_000.0:F0} pixels");
        Assert.InRange(evidencePixels / 10_000.0, 50, 600);
    }
}
