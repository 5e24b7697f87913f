namespace Ocular.Torch.Nn;

/// <summary>
/// Batch normalisation (<c>nn.BatchNorm1d</c>/<c>nn.BatchNorm2d</c>): parameters <c>weight</c>,
/// <c>bias</c>; buffers <c>running_mean</c>, <c>running_var</c>, <c>num_batches_tracked</c>.
/// </summary>
public abstract class BatchNormBase : Module
{
    /// <summary>Channels.</summary>
    public long NumFeatures { get; }
    /// <summary>Added to the variance.</summary>
    public double Eps { get; }
    /// <summary>Running-statistics momentum (null: cumulative average).</summary>
    public double? Momentum { get; }

    /// <summary>γ, or null when not affine.</summary>
    public Parameter? Weight => GetParameter("weight");
    /// <summary>β, or null when not affine.</summary>
    public Parameter? Bias => GetParameter("bias");
    /// <summary>Running mean, or null when statistics are not tracked.</summary>
    public Tensor? RunningMean => GetBuffer("running_mean");
    /// <summary>Running variance, or null when statistics are not tracked.</summary>
    public Tensor? RunningVar => GetBuffer("running_var");
    /// <summary>
    /// The group whose global batch the layer normalises with in training (<see cref="Distributed.SyncBatchNorm"/>), or
    /// null for this process's batch alone.
    /// </summary>
    public Distributed.ProcessGroup? SyncGroup { get; set; }

    /// <summary>Number of training batches seen (int64), or null.</summary>
    public Tensor? NumBatchesTracked => GetBuffer("num_batches_tracked");

    /// <summary>Creates the layer with γ = 1, β = 0, mean 0 and variance 1.</summary>
    protected BatchNormBase(long numFeatures, double eps, double? momentum, bool affine, bool trackRunningStats)
    {
        NumFeatures = numFeatures;
        Eps = eps;
        Momentum = momentum;
        RegisterParameter("weight", affine ? new Parameter(Tensor.Ones(numFeatures)) : null);
        RegisterParameter("bias", affine ? new Parameter(Tensor.Zeros(numFeatures)) : null);
        RegisterBuffer("running_mean", trackRunningStats ? Tensor.Zeros(numFeatures) : null);
        RegisterBuffer("running_var", trackRunningStats ? Tensor.Ones(numFeatures) : null);
        RegisterBuffer("num_batches_tracked", trackRunningStats ? Tensor.Zeros([], ScalarType.Int64) : null);
    }

    /// <summary>The number of input dimensions the layer accepts (e.g. 4 for 2-D).</summary>
    protected abstract int[] AcceptedDims { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        if (!AcceptedDims.Contains(input.Dim))
            throw new ArgumentException($"{GetType().Name} expects a {string.Join(" or ", AcceptedDims)}-D input, got shape {Tensor.ShapeString(input.Shape)}");
        var momentum = Momentum ?? 0.0;
        if (Training && NumBatchesTracked is { } tracked)
        {
            using (Autograd.NoGrad()) tracked.Add_(1);
            if (Momentum is null) momentum = 1.0 / tracked.Item<long>();
        }
        if (Training && SyncGroup is { WorldSize: > 1 } group) return Distributed.SyncBatchNorm.Forward(this, input, group, momentum);
        // As PyTorch: batch statistics in training, or whenever no running statistics exist.
        var useBatchStats = Training || RunningMean is null;
        return Functional.BatchNorm(input, useBatchStats && !Training ? null : RunningMean, useBatchStats && !Training ? null : RunningVar,
            Weight, Bias, useBatchStats, momentum, Eps);
    }

    /// <summary>
    /// A state dict without <c>num_batches_tracked</c> (checkpoints from before PyTorch 0.4.1, such as
    /// some torchvision weights) loads with the count set to 0, as PyTorch's batch norm does.
    /// </summary>
    protected override Tensor? DefaultStateDictEntry(string name) =>
        name == "num_batches_tracked" && NumBatchesTracked is not null ? Tensor.Zeros([], ScalarType.Int64) : null;

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"{NumFeatures}, eps={Eps}, momentum={Momentum?.ToString() ?? "None"}, affine={(Weight is null ? "False" : "True")}";
}

/// <summary>Batch normalisation over [N, C] or [N, C, L] inputs.</summary>
public sealed class BatchNorm1d(long numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool trackRunningStats = true)
    : BatchNormBase(numFeatures, eps, momentum, affine, trackRunningStats)
{
    /// <inheritdoc/>
    protected override int[] AcceptedDims => [2, 3];
}

/// <summary>Batch normalisation over [N, C, H, W] inputs.</summary>
public sealed class BatchNorm2d(long numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool trackRunningStats = true)
    : BatchNormBase(numFeatures, eps, momentum, affine, trackRunningStats)
{
    /// <inheritdoc/>
    protected override int[] AcceptedDims => [4];
}
