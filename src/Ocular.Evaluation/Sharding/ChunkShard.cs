namespace Ocular.Evaluation.Sharding;

/// <summary>
/// How sharded evaluation and explanation split their images between the ranks (docs/distributed.md, "Sharded evaluation
/// and explanation"). The images are cut into the chunks one process uses — chunk c holds images c·S to
/// min((c + 1)·S, N) − 1 — and the chunks are dealt out in rounds: in round j, rank r computes chunk j·W + r (the last
/// round may leave some ranks without a chunk). A rank's chunks are thus the single process's batches r, r + W, … — the
/// rule of every pass shared by batches (<c>DistributedRun.PartOf</c>), whose images a rank loads — taken a round at a time.
/// </summary>
/// <remarks>
/// The chunk, not the image, is the unit because it fixes everything a number can depend on besides the image: the
/// batches the model and the explainers see (a convolution's result may change in its last bit with the batch it runs
/// in) and the seeds drawn per chunk (ROAD's noise is seeded by the chunk's first image). A chunk therefore gives the
/// same numbers on whichever rank computes it. Dealing in rounds lets the ranks exchange each round's results at once,
/// and the chunks of a round, in rank order, are consecutive chunks of the data set, so folding the rounds in order
/// reassembles the single process's order without sorting and keeps no more than one round in memory.
/// </remarks>
public sealed class ChunkShard
{
    /// <summary>Creates the split of <paramref name="images"/> images in chunks of <paramref name="chunkSize"/> for rank <paramref name="rank"/> of <paramref name="worldSize"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative image count, a chunk size or world size below 1, or a rank outside the world.</exception>
    public ChunkShard(int images, int chunkSize, int rank = 0, int worldSize = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(images);
        if (chunkSize < 1) throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, "a chunk holds at least one image");
        if (worldSize < 1) throw new ArgumentOutOfRangeException(nameof(worldSize), worldSize, "a group has at least one rank");
        if (rank < 0 || rank >= worldSize) throw new ArgumentOutOfRangeException(nameof(rank), rank, $"rank must be 0 to {worldSize - 1}");
        Images = images;
        ChunkSize = chunkSize;
        Rank = rank;
        WorldSize = worldSize;
    }

    /// <summary>The images in all (N).</summary>
    public int Images { get; }

    /// <summary>Images per chunk (S).</summary>
    public int ChunkSize { get; }

    /// <summary>This rank.</summary>
    public int Rank { get; }

    /// <summary>The ranks (W).</summary>
    public int WorldSize { get; }

    /// <summary>The chunks in all: ⌈N / S⌉.</summary>
    public int Chunks => (Images + ChunkSize - 1) / ChunkSize;

    /// <summary>The rounds: ⌈chunks / W⌉.</summary>
    public int Rounds => (Chunks + WorldSize - 1) / WorldSize;

    /// <summary>The first image and the image count of chunk <paramref name="chunk"/>.</summary>
    public (int Start, int Count) Extent(int chunk)
    {
        if (chunk < 0 || chunk >= Chunks) throw new ArgumentOutOfRangeException(nameof(chunk), chunk, $"there are {Chunks} chunks");
        var start = chunk * ChunkSize;
        return (start, Math.Min(ChunkSize, Images - start));
    }

    /// <summary>The chunk this rank computes in round <paramref name="round"/>, or null when the round has none left for it.</summary>
    public int? ChunkIn(int round)
    {
        if (round < 0 || round >= Rounds) throw new ArgumentOutOfRangeException(nameof(round), round, $"there are {Rounds} rounds");
        var chunk = round * WorldSize + Rank;
        return chunk < Chunks ? chunk : null;
    }

    /// <summary>The first image and the image count of round <paramref name="round"/> (every rank's chunks of it together).</summary>
    public (int Start, int Count) RoundExtent(int round)
    {
        if (round < 0 || round >= Rounds) throw new ArgumentOutOfRangeException(nameof(round), round, $"there are {Rounds} rounds");
        var start = round * WorldSize * ChunkSize;
        return (start, Math.Min(WorldSize * ChunkSize, Images - start));
    }
}
