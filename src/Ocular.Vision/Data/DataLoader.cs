using Ocular.Torch;
using Ocular.Vision.Datasets;
using Ocular.Vision.Interop;

namespace Ocular.Vision.Data;

/// <summary>
/// Iterates a data set in batches, as PyTorch's <c>DataLoader</c>: seeded shuffling, drop-last, per-sample
/// transforms, collation into a <see cref="Batch"/>, and worker threads that prepare batches ahead of the
/// consumer with bounded prefetch.
/// </summary>
/// <remarks>
/// Determinism: epoch <c>e</c>'s order is a <c>randperm</c> from a generator seeded with
/// <c>Seeds.Derive(Seed, "order", e)</c>; the transform of sample <c>i</c> in epoch <c>e</c> draws from a
/// generator seeded with <c>Seeds.ForItem(Seeds.Derive(Seed, "augment", e), i)</c>. Batches are fixed slices
/// of that order and are yielded in order, so the batches are identical whatever <see cref="DataLoaderOptions.Workers"/>
/// is. Data work runs with gradients off and one libtorch intra-op thread (the consumer's own count is
/// restored after each batch it builds). The consumer owns every yielded batch and disposes it; breaking out
/// of an epoch stops the workers and frees the batches they had prepared.
/// </remarks>
public sealed class DataLoader
{
    private const ulong OrderKey = 0x6F72646572UL;    // "order"
    private const ulong AugmentKey = 0x6175676D656EUL; // "augmen"

    /// <summary>Creates a loader over <paramref name="dataset"/>.</summary>
    public DataLoader(IImageDataset dataset, DataLoaderOptions? options = null)
    {
        Dataset = dataset;
        Options = options ?? new DataLoaderOptions();
        Options.Validate();
    }

    /// <summary>The data set.</summary>
    public IImageDataset Dataset { get; }

    /// <summary>The settings.</summary>
    public DataLoaderOptions Options { get; }

    /// <summary>The samples of an epoch for this loader: the data set's, or this rank's share of them.</summary>
    public int EpochSamples => Options.Shard?.SamplesPerRank(Dataset.Count) ?? Dataset.Count;

    /// <summary>The number of batches of an epoch (fewer are yielded when skipped files empty a whole batch).</summary>
    public int BatchCount => Options.DropLast ? EpochSamples / Options.BatchSize : (EpochSamples + Options.BatchSize - 1) / Options.BatchSize;

    /// <summary>The report of the last epoch enumerated to its end, or null.</summary>
    public EpochReport? LastReport { get; private set; }

    /// <summary>The data-set indices of epoch <paramref name="epoch"/>, in visiting order (before drop-last; this rank's share when sharded).</summary>
    public int[] Order(int epoch)
    {
        var order = FullOrder(epoch);
        return Options.Shard is { } shard ? shard.Select(order) : order;
    }

    // The whole epoch's order, the same on every rank.
    private int[] FullOrder(int epoch)
    {
        var n = Dataset.Count;
        if (!Options.Shuffle) return Enumerable.Range(0, n).ToArray();
        using var generator = new Generator(Seeds.Derive(Options.Seed, OrderKey, (ulong)epoch));
        using var permutation = Tensor.RandPerm(n, generator);
        return permutation.ToArray<long>().Select(i => (int)i).ToArray();
    }

    /// <summary>The batches of epoch <paramref name="epoch"/>; enumerate it once per epoch.</summary>
    public IEnumerable<Batch> Epoch(int epoch)
    {
        var order = Order(epoch);
        var plan = Enumerable.Range(0, BatchCount)
            .Select(b => order.AsSpan(b * Options.BatchSize, Math.Min(Options.BatchSize, order.Length - b * Options.BatchSize)).ToArray())
            .ToArray();
        var augment = Seeds.Derive(Options.Seed, AugmentKey, (ulong)epoch);
        return Run(epoch, plan, augment);
    }

    private IEnumerable<Batch> Run(int epoch, int[][] plan, ulong augment)
    {
        var skipped = new List<SkippedFile>();
        var (batches, samples) = (0, 0);
        var workers = Options.Workers;
        using var pipeline = workers == 0 ? null
            : new BatchPipeline(plan.Length, workers, Options.Prefetch ?? 2 * workers, b => Build(plan[b], augment));
        for (var b = 0; b < plan.Length; b++)
        {
            var result = pipeline is null ? Build(plan[b], augment) : pipeline.Take(b);
            skipped.AddRange(result.Skipped);
            if (result.Batch is null) continue;
            batches++;
            samples += result.Batch.Count;
            yield return result.Batch;
        }
        LastReport = new EpochReport(epoch, batches, samples, skipped);
        Options.EpochEnded?.Invoke(LastReport);
    }

    /// <summary>Reads, transforms and collates one batch (on a worker, or on the consumer when there are none).</summary>
    private BatchResult Build(int[] indices, ulong augment)
    {
        using var noGrad = Autograd.NoGrad();
        // One intra-op thread, on workers and on the consumer alike: OpenMP teams over per-sample tensors cost far
        // more CPU (spinning) than they save, and the workers are the parallelism.
        using var singleThreaded = NativeThreads.SingleThreaded();
        using var scope = DisposeScope.Enter();
        var samples = new List<Sample>(indices.Length);
        var skipped = new List<SkippedFile>();
        try
        {
            foreach (var index in indices)
            {
                Sample sample;
                try
                {
                    sample = Dataset.Get(index);
                }
                catch (BadFileException e) when (Options.BadFiles == BadFilePolicy.Skip)
                {
                    skipped.Add(new SkippedFile(index, e.Path, e.InnerException?.Message ?? e.Message));
                    continue;
                }
                samples.Add(sample);
                if (Options.Transform is { } transform)
                {
                    using var generator = new Generator(Seeds.ForItem(augment, index));
                    sample.ApplyTransform(transform, generator);
                }
            }
            return new BatchResult(samples.Count == 0 ? null : Batch.Collate(samples).DetachFromScope(), skipped);
        }
        finally
        {
            foreach (var sample in samples) sample.Dispose();
        }
    }
}

/// <summary>One prepared batch (null when every sample was skipped) and the samples skipped in it.</summary>
internal sealed record BatchResult(Batch? Batch, IReadOnlyList<SkippedFile> Skipped);
