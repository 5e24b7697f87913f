using Ocular.Vision.Data;
using Ocular.Vision.Datasets.Shapes;

namespace Ocular.Vision.Tests.Data;

/// <summary>A rank's share of an epoch: PyTorch's DistributedSampler padding and striding, and loaders that together see the single-process batches.</summary>
public class DataShardTests
{
    [Fact]
    public void PaddingAndStridingAreDistributedSamplers()
    {
        int[] order = [7, 3, 9, 0, 5, 1, 8, 2, 6, 4];
        // n = 10, W = 4: 3 per rank, padded with the order's first 2 (7, 3) to 12, rank r takes positions r, r + 4, r + 8.
        Assert.Equal([7, 5, 6], new DataShard(0, 4).Select(order));
        Assert.Equal([3, 1, 4], new DataShard(1, 4).Select(order));
        Assert.Equal([0, 2, 3], new DataShard(3, 4).Select(order));
        // More ranks than samples: the order repeats (DistributedSampler's indices * ceil(padding / n)).
        Assert.Equal([9], new DataShard(5, 8).Select([1, 5, 9]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataShard(2, 2).Validate());
    }

    [Fact]
    public void TheRanksBatchesTogetherAreTheSingleProcesssBatch()
    {
        var data = new ShapesDataset(new ShapesOptions { Count = 22, Seed = 3, ImageSize = 32 });
        var whole = new DataLoader(data, new DataLoaderOptions { BatchSize = 6, Shuffle = true, Seed = 5 });
        var shards = Enumerable.Range(0, 2).Select(r => new DataLoader(data, new DataLoaderOptions { BatchSize = 3, Shuffle = true, Seed = 5, Shard = new DataShard(r, 2) })).ToArray();
        Assert.Equal(4, whole.BatchCount);
        Assert.All(shards, s => Assert.Equal((11, 4), (s.EpochSamples, s.BatchCount)));
        for (var epoch = 0; epoch < 2; epoch++)
        {
            var order = whole.Order(epoch);
            var parts = shards.Select(s => s.Order(epoch)).ToArray();
            for (var b = 0; b < 4; b++)
            {
                var single = order.Skip(6 * b).Take(6).Order();
                var together = parts.SelectMany(p => p.Skip(3 * b).Take(3)).Order();
                Assert.Equal(single, together);
            }
            // The ranks' images are the single process's (augmentation depends on the sample, not on the rank).
            using var batch = shards[1].Epoch(epoch).First();
            Assert.Equal(parts[1].Take(3), batch.Indices);
        }
    }

    // Every rank must take every step of an epoch with the others (the step's collectives wait for all of them): a
    // sharded loader yields the same number of non-empty batches on every rank — with more ranks than samples too (the
    // padding) — and refuses to skip bad files, since a batch whose files were all skipped would not be yielded.
    [Fact]
    public void EveryRankYieldsTheSameNonEmptyBatchesAndNoneSkipsBadFiles()
    {
        var data = new ShapesDataset(new ShapesOptions { Count = 3, ImageSize = 32 });
        for (var r = 0; r < 5; r++)
        {
            var loader = new DataLoader(data, new DataLoaderOptions { BatchSize = 2, Shuffle = true, Seed = 1, Shard = new DataShard(r, 5) });
            var sizes = loader.Epoch(0).Select(b =>
            {
                using (b) return b.Count;
            }).ToList();
            Assert.Equal([1], sizes);
        }
        var e = Assert.Throws<ArgumentException>(() => new DataLoader(data, new DataLoaderOptions { Shard = new DataShard(0, 2), BadFiles = BadFilePolicy.Skip }));
        Assert.Contains("a sharded loader (a rank of a data-parallel run) cannot skip bad files", e.Message);
        Assert.Equal(3, new DataLoader(data, new DataLoaderOptions { BadFiles = BadFilePolicy.Skip }).EpochSamples);   // a single process may skip
    }
}
