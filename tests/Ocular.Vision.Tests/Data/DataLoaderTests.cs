using Ocular.Torch;
using Ocular.Vision.Data;
using Ocular.Vision.Datasets;
using Ocular.Vision.Datasets.Shapes;

namespace Ocular.Vision.Tests.Data;

public class DataLoaderTests
{
    private static readonly ShapesDataset Shapes = new(new ShapesOptions { Count = 37, Seed = 5 });

    private sealed record Snapshot(int[] Indices, long[] Labels, float[] Images, bool[]? Evidence, long[] ImageShape);

    private static List<Snapshot> Run(DataLoader loader, int epoch)
    {
        var result = new List<Snapshot>();
        foreach (var batch in loader.Epoch(epoch))
        {
            using (batch)
            {
                result.Add(new Snapshot(batch.Indices.ToArray(), batch.Labels.ToArray<long>(), batch.Images.ToArray<float>(),
                    batch.EvidenceMasks?.ToArray<bool>(), batch.Images.Shape));
            }
        }
        return result;
    }

    [Fact]
    public void BatchesAreIdenticalForAnyWorkerCount()
    {
        var options = new DataLoaderOptions { BatchSize = 5, Shuffle = true, Seed = 42, Transform = new NoiseTransform() };
        var reference = Run(new DataLoader(Shapes, options), epoch: 1);
        Assert.Equal(8, reference.Count);
        foreach (var workers in new[] { 1, 2, 4 })
        {
            var run = Run(new DataLoader(Shapes, options with { Workers = workers, Prefetch = workers == 4 ? 1 : null }), epoch: 1);
            Assert.Equal(reference.Count, run.Count);
            for (var b = 0; b < run.Count; b++)
            {
                Assert.Equal(reference[b].Indices, run[b].Indices);
                Assert.Equal(reference[b].Labels, run[b].Labels);
                Assert.Equal(reference[b].Images, run[b].Images);
                Assert.Equal(reference[b].Evidence, run[b].Evidence);
            }
        }
        // Another epoch: another order and other noise.
        var next = Run(new DataLoader(Shapes, options with { Workers = 2 }), epoch: 2);
        Assert.NotEqual(reference[0].Indices, next[0].Indices);
    }

    [Fact]
    public void AugmentationDependsOnTheSampleNotOnItsPosition()
    {
        var options = new DataLoaderOptions { BatchSize = 37, Seed = 9, Transform = new NoiseTransform() };
        var ordered = Run(new DataLoader(Shapes, options), 0).Single();
        var shuffled = Run(new DataLoader(Shapes, options with { Shuffle = true, BatchSize = 1 }), 0);
        var size = 3 * 64 * 64;
        foreach (var single in shuffled)
        {
            var i = single.Indices[0];
            Assert.Equal(ordered.Images.AsSpan(i * size, size).ToArray(), single.Images);
        }
    }

    [Fact]
    public void ShuffleIsSeededAndChangesWithTheEpoch()
    {
        var a = new DataLoader(Shapes, new DataLoaderOptions { Shuffle = true, Seed = 1 });
        var b = new DataLoader(Shapes, new DataLoaderOptions { Shuffle = true, Seed = 1 });
        Assert.Equal(a.Order(3), b.Order(3));
        Assert.NotEqual(a.Order(3), a.Order(4));
        Assert.Equal(Enumerable.Range(0, 37), a.Order(3).Order());
        Assert.Equal(Enumerable.Range(0, 37), new DataLoader(Shapes).Order(3));
    }

    [Fact]
    public void DropLastDropsTheShortBatch()
    {
        var keep = Run(new DataLoader(Shapes, new DataLoaderOptions { BatchSize = 10 }), 0);
        Assert.Equal([10, 10, 10, 7], keep.Select(b => b.Indices.Length));
        var drop = new DataLoader(Shapes, new DataLoaderOptions { BatchSize = 10, DropLast = true, Workers = 2 });
        Assert.Equal(3, drop.BatchCount);
        Assert.Equal([10, 10, 10], Run(drop, 0).Select(b => b.Indices.Length));
        Assert.Equal(new EpochReport(0, 3, 30, []).ToString(), drop.LastReport!.ToString());
    }

    [Fact]
    public void CollationStacksImagesLabelsAndMasks()
    {
        using var batch = new DataLoader(Shapes, new DataLoaderOptions { BatchSize = 4 }).Epoch(0).First();
        Assert.Equal([4L, 3, 64, 64], batch.Images.Shape);
        Assert.Equal(ScalarType.Float32, batch.Images.DType);
        Assert.Equal([0L, 1, 2, 3], batch.Labels.ToArray<long>());
        Assert.Equal([4L, 64, 64], batch.EvidenceMasks!.Shape);
        Assert.Equal([4L, 12, 64, 64], batch.ConceptMasks!.Shape);
        Assert.Equal(Shapes.ConceptNames, batch.ConceptNames);
        using var sample = Shapes.Get(2);
        using var expected = sample.Image.To(ScalarType.Float32);
        using var scaled = expected.Div(255.0);
        using var actual = batch.Images.Select(0, 2);
        Assert.True(actual.AllClose(scaled, rtol: 0, atol: 1e-6));
    }

    private static ImageFolderDataset FolderWithBadFiles(TempDirectory dir)
    {
        for (var i = 0; i < 7; i++)
        {
            var path = dir.File($"c{i % 2}/{i}.png");
            if (i is 2 or 5) System.IO.File.WriteAllText(path, "corrupt");
            else RawImage.WriteFilled(path, (byte)i);
        }
        return new ImageFolderDataset(dir.Path, RawImage.Load);
    }

    [Fact]
    public void SkipModeLeavesBadFilesOutAndReportsThemAtTheEndOfTheEpoch()
    {
        using var dir = new TempDirectory();
        var data = FolderWithBadFiles(dir); // c0: 0 2 4 6, c1: 1 3 5 → indices 1 (2.png) and 6 (5.png) are bad
        EpochReport? reported = null;
        var loader = new DataLoader(data, new DataLoaderOptions
        {
            BatchSize = 3, Workers = 2, BadFiles = BadFilePolicy.Skip, EpochEnded = r => reported = r,
        });
        var batches = Run(loader, 0);
        Assert.Equal([2, 3], batches.Select(b => b.Indices.Length)); // the third batch held only a bad file
        Assert.Equal([0, 2, 3, 4, 5], batches.SelectMany(b => b.Indices));
        Assert.NotNull(reported);
        Assert.Same(reported, loader.LastReport);
        Assert.Equal(5, reported!.Samples);
        Assert.Equal([1, 6], reported.Skipped.Select(s => s.Index));
        Assert.Equal([data.Samples[1].Path, data.Samples[6].Path], reported.Skipped.Select(s => s.Path));
        Assert.Contains("not a RAWI file", reported.Skipped[0].Reason);
        Assert.Contains("2 bad files skipped", reported.ToString());
        Assert.Contains(data.Samples[6].Path, reported.ToString());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void StopModeStopsWithTheFilesPath(int workers)
    {
        using var dir = new TempDirectory();
        var data = FolderWithBadFiles(dir);
        var loader = new DataLoader(data, new DataLoaderOptions { BatchSize = 1, Workers = workers });
        var seen = 0;
        var e = Assert.Throws<BadFileException>(() =>
        {
            foreach (var batch in loader.Epoch(0)) { batch.Dispose(); seen++; }
        });
        Assert.Equal(1, seen); // the batches before the bad file arrive, in order
        Assert.Equal(data.Samples[1].Path, e.Path);
        Assert.Contains(data.Samples[1].Path, e.Message);
        Assert.Null(loader.LastReport);
    }
}
