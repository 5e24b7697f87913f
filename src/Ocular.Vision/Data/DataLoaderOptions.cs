using Ocular.Vision.Transforms;

namespace Ocular.Vision.Data;

/// <summary>The settings of a <see cref="DataLoader"/> (PyTorch's <c>DataLoader</c> arguments).</summary>
public sealed record DataLoaderOptions
{
    /// <summary>Samples per batch.</summary>
    public int BatchSize { get; init; } = 1;

    /// <summary>Visit the samples in a new random order each epoch (a permutation drawn from <see cref="Seed"/> and the epoch).</summary>
    public bool Shuffle { get; init; }

    /// <summary>This rank's share of each epoch in a data-parallel run (<see cref="DataShard"/>); null: every sample.</summary>
    public DataShard? Shard { get; init; }

    /// <summary>Drop the last batch when it is smaller than <see cref="BatchSize"/>.</summary>
    public bool DropLast { get; init; }

    /// <summary>The seed of the order and of the augmentation.</summary>
    public ulong Seed { get; init; }

    /// <summary>
    /// Worker threads that read, transform and collate batches ahead of the consumer; 0 does the work on the
    /// consuming thread. The batches are the same for every worker count.
    /// </summary>
    public int Workers { get; init; }

    /// <summary>The most batches being prepared or waiting to be consumed at once (default: 2 per worker).</summary>
    public int? Prefetch { get; init; }

    /// <summary>
    /// Applied to every sample's image (uint8 <c>[C, H, W]</c>) on the worker, with a generator seeded from
    /// (<see cref="Seed"/>, epoch, sample index), so a sample's augmentation does not depend on the order,
    /// the batching or the worker count.
    /// </summary>
    public ITransform? Transform { get; init; }

    /// <summary>
    /// What to do with a sample whose file cannot be read. A sharded loader (<see cref="Shard"/>) must stop: a batch whose
    /// files were all skipped would not be yielded, and the rank would take fewer steps than the others.
    /// </summary>
    public BadFilePolicy BadFiles { get; init; } = BadFilePolicy.Stop;

    /// <summary>Called on the consuming thread when an epoch has been enumerated to its end.</summary>
    public Action<EpochReport>? EpochEnded { get; init; }

    internal void Validate()
    {
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "the batch size must be at least 1");
        if (Workers < 0) throw new ArgumentOutOfRangeException(nameof(Workers), Workers, "the worker count cannot be negative");
        if (Prefetch is < 1) throw new ArgumentOutOfRangeException(nameof(Prefetch), Prefetch, "prefetch must be at least 1");
        Shard?.Validate();
        // Every rank of a data-parallel run takes every step of an epoch (each step's collectives wait for all the ranks;
        // docs/distributed.md, Faults): the shard gives each rank the same number of samples, so only skipping could
        // leave one rank a batch short.
        if (Shard is not null && BadFiles == BadFilePolicy.Skip)
            throw new ArgumentException("a sharded loader (a rank of a data-parallel run) cannot skip bad files: a batch whose files were all skipped " +
                                        "would not be yielded, and this rank would take fewer steps than the others, whose collectives wait for it", nameof(BadFiles));
    }
}
