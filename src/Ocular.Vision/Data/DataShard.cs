namespace Ocular.Vision.Data;

/// <summary>
/// One rank's share of an epoch in a data-parallel run, by PyTorch's <c>DistributedSampler</c> rule: the epoch's order
/// (the same on every rank: the loader's seeded permutation) is padded to a multiple of the world size by repeating
/// its beginning, then rank r takes positions r, r + W, r + 2W, …. So rank r's b-th batch of B is, for W ranks, the r-th
/// stride of the single-process run's b-th batch of W·B: the ranks together see exactly its samples.
/// </summary>
/// <param name="Rank">This rank, 0 to <paramref name="WorldSize"/> − 1.</param>
/// <param name="WorldSize">How many ranks share the data.</param>
public sealed record DataShard(int Rank, int WorldSize)
{
    /// <summary>Checks the rank and world size.</summary>
    public void Validate()
    {
        if (WorldSize < 1) throw new ArgumentOutOfRangeException(nameof(WorldSize), WorldSize, "a data shard needs a world of at least one rank");
        if (Rank < 0 || Rank >= WorldSize) throw new ArgumentOutOfRangeException(nameof(Rank), Rank, $"the rank must be 0 to {WorldSize - 1}");
    }

    /// <summary>Samples per rank: ⌈n / W⌉ (DistributedSampler without drop_last).</summary>
    public int SamplesPerRank(int n) => (n + WorldSize - 1) / WorldSize;

    /// <summary>This rank's part of <paramref name="order"/> (padded by repeating its beginning, then strided).</summary>
    public int[] Select(int[] order)
    {
        var n = order.Length;
        if (n == 0) return [];
        var perRank = SamplesPerRank(n);
        var result = new int[perRank];
        for (var k = 0; k < perRank; k++) result[k] = order[(Rank + k * WorldSize) % n];
        return result;
    }
}
