using Ocular.Torch;
using Ocular.Torch.Distributed;
using Ocular.Torch.Nn;
using Ocular.Vision.Data;
using Ocular.Vision.Datasets;

namespace Ocular.Vision.Training;

/// <summary>
/// The data-parallel side of a training run (docs/distributed.md), written once for every trainer (classifier, L-CAM,
/// Learnable Visual Words, LaViSE), as PyTorch's <c>DistributedDataParallel</c> and <c>DistributedSampler</c> arrange it:
/// which rank writes the run directory, each rank's share of the data, the start from rank 0's weights, the gradient
/// reducers, rank 0's batch-norm statistics, totals over every rank, and the barrier after a checkpoint. Without a
/// group (or with a group of one rank) every member does what a single process does, without any collective.
/// </summary>
/// <remarks>
/// Every collective here must be called by every rank in the same order (<see cref="ProcessGroup"/>); the trainers call
/// these members at the same points of their loops on every rank, and take decisions that steer the loop (skip a step,
/// stop on a bad loss, the learning rate of a plateau schedule) only from values reduced over the ranks.
/// </remarks>
public sealed class DistributedRun
{
    /// <summary>The run of <paramref name="group"/>'s ranks, or of a single process when it is null or has one rank.</summary>
    public DistributedRun(ProcessGroup? group) => Group = group is { WorldSize: > 1 } ? group : null;

    /// <summary>A single process.</summary>
    public static DistributedRun Single { get; } = new(null);

    /// <summary>The data-parallel group (more than one rank), or null for a single process.</summary>
    public ProcessGroup? Group { get; }

    /// <summary>This process's rank (0 for a single process).</summary>
    public int Rank => Group?.Rank ?? 0;

    /// <summary>The number of ranks (1 for a single process).</summary>
    public int WorldSize => Group?.WorldSize ?? 1;

    /// <summary>Whether this process writes the run directory: rank 0 alone (the others' files would be the same, written concurrently).</summary>
    public bool Writes => Rank == 0;

    /// <summary>This rank's share of each training epoch (<see cref="DataLoaderOptions.Shard"/>; DistributedSampler's rule), or null for a single process.</summary>
    public DataShard? Shard => Group is null ? null : new DataShard(Rank, WorldSize);

    /// <summary>True on every rank when <paramref name="condition"/> holds on any rank (e.g. a run directory that already holds a run).</summary>
    public bool AnyRank(bool condition) => Sum(condition ? 1 : 0)[0] > 0;

    /// <summary>Copies rank 0's parameters and buffers into <paramref name="model"/> (a new run: every rank starts from rank 0's weights).</summary>
    public void StartFromRankZero(Module model)
    {
        if (Group is not null) DataParallel.BroadcastState(model, Group);
    }

    /// <summary>
    /// <c>--sync-bn</c> (docs/distributed.md): when <paramref name="asked"/> and there are several ranks, makes every
    /// batch-norm layer of <paramref name="training"/> — the part of the model whose batch norm runs in training mode;
    /// null when none does — normalise with the statistics of every rank's batch (<see cref="SyncBatchNorm"/>), says so
    /// through <paramref name="progress"/>, and returns how many layers it converted. Frozen networks run in evaluation
    /// mode, where synchronisation does nothing: a run whose batch norm never trains says that instead of counting them.
    /// Call it on every rank, once the weights are equal (after <see cref="StartFromRankZero"/> or a restore).
    /// </summary>
    public int SynchroniseBatchNorm(bool asked, Module? training, ITrainingProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        if (!asked || Group is null) return 0;
        var layers = training is null ? 0 : SyncBatchNorm.Convert(training, Group);
        progress.Message(layers == 0 ? "--sync-bn: no batch-norm layer trains in this run"
            : $"batch norm synchronised across the {WorldSize} ranks in {layers} layers");
        return layers;
    }

    /// <summary>
    /// A reducer that averages the gradients of <paramref name="parameters"/> (those requiring a gradient now) over the
    /// ranks, or null for a single process. Create it once the parameters are equal on every rank (after
    /// <see cref="StartFromRankZero"/> or a restore) and step with <see cref="Backward"/>.
    /// </summary>
    public GradientReducer? CreateReducer(IEnumerable<Parameter> parameters) => Group is null ? null : new GradientReducer(parameters, Group);

    /// <summary><c>loss.backward()</c>, with the gradients averaged over the ranks when there is a <paramref name="reducer"/>.</summary>
    public static void Backward(Tensor loss, GradientReducer? reducer)
    {
        if (reducer is null) loss.Backward();
        else reducer.Backward(loss);
    }

    /// <summary>
    /// A loss of value 0 whose gradient is 0 for every one of <paramref name="parameters"/>: the backward pass of a rank
    /// that has no sample in a step (every rank must take part in the gradient average, and this one adds nothing).
    /// </summary>
    public static Tensor NoContribution(IEnumerable<Parameter> parameters)
    {
        using var scope = DisposeScope.Enter();
        Tensor? sum = null;
        foreach (var p in parameters.Where(p => p.RequiresGrad))
        {
            var s = p.Sum();
            sum = sum is null ? s : sum.Add(s);
        }
        return scope.Keep((sum ?? Tensor.Zeros([])).Mul(0.0));
    }

    /// <summary>
    /// Copies rank 0's buffers (batch-norm statistics) into <paramref name="model"/>: before every forward pass in
    /// training mode (DDP's <c>broadcast_buffers</c>), and after a training pass, so that every rank evaluates, pushes and
    /// checkpoints rank 0's model (each rank's last forward updated its statistics with its own batch).
    /// </summary>
    public void BroadcastBuffers(Module model)
    {
        if (Group is not null) DataParallel.BroadcastBuffers(model, Group);
    }

    /// <summary>Copies rank 0's <paramref name="tensor"/> into every rank's, in place (gradients off).</summary>
    public void FromRankZero(Tensor tensor)
    {
        if (Group is null) return;
        using var noGrad = Autograd.NoGrad();
        Group.Broadcast(tensor, 0);
    }

    /// <summary>The sums of <paramref name="values"/> over the ranks (float64; counts up to 2⁵³ stay exact).</summary>
    public double[] Sum(params double[] values)
    {
        if (Group is null || values.Length == 0) return values;
        using var totals = Tensor.FromArray(values);
        Group.AllReduce(totals);
        return totals.ToArray<double>();
    }

    /// <summary>
    /// Runs <paramref name="make"/> on rank 0 first and on the other ranks after it, for work whose result rank 0 caches
    /// in a file the others may then read instead of redoing it (e.g. alignment targets, parsed word vectors).
    /// </summary>
    public T RankZeroFirst<T>(Func<T> make)
    {
        ArgumentNullException.ThrowIfNull(make);
        if (Group is null) return make();
        if (Rank == 0)
        {
            try
            {
                return make();
            }
            finally
            {
                Group.Barrier();
            }
        }
        Group.Barrier();
        return make();
    }

    /// <summary>
    /// This rank's part of a pass over <paramref name="count"/> samples in batches of <paramref name="batchSize"/> whose
    /// results are added or gathered (an evaluation, a cache): the single process's batches r, r + W, r + 2W, …, without
    /// DistributedSampler's padding, so that every sample counts once and every batch is computed as the single process
    /// computes it (the same images together: the same numbers).
    /// </summary>
    public int[] PartOf(int count, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var batches = (count + batchSize - 1) / batchSize;
        return [.. Enumerable.Range(0, batches).Where(b => b % WorldSize == Rank)
            .SelectMany(b => Enumerable.Range(b * batchSize, Math.Min(batchSize, count - b * batchSize)))];
    }

    /// <summary>This rank's part of <paramref name="data"/> read in batches of <paramref name="batchSize"/> (<see cref="PartOf"/>; the samples keep their indices), or the data set itself for a single process.</summary>
    public IImageDataset Part(IImageDataset data, int batchSize) => Group is null ? data : new DatasetSubset(data, PartOf(data.Count, batchSize));

    /// <summary>Waits until every rank is here: after rank 0 has written a checkpoint, so that no rank runs ahead of the files (a resume reads them).</summary>
    public void Checkpointed() => Group?.Barrier();
}
