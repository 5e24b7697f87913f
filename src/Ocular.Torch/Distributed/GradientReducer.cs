using Ocular.Torch.Nn;

namespace Ocular.Torch.Distributed;

/// <summary>
/// The gradient half of PyTorch's <c>DistributedDataParallel</c>: <see cref="Backward"/> runs the backward pass and leaves
/// every trainable parameter's gradient averaged over the ranks of the group, so that W ranks × batch B take the step
/// one process takes with batch W·B. Create one per training run (after the parameters are final and equal on every
/// rank, see <see cref="DataParallel.BroadcastState"/>) and call <see cref="Backward"/> instead of
/// <see cref="Tensor.Backward"/> on every step; every rank must call it the same number of times.
/// </summary>
public sealed class GradientReducer : IDisposable
{
    private readonly IReadOnlyList<Parameter> _parameters;
    private readonly ProcessGroup _group;
    private readonly long _bucketBytes;

    /// <summary>Averages the gradients of <paramref name="parameters"/> (those that require a gradient) over <paramref name="group"/>.</summary>
    /// <param name="parameters">The parameters the optimizer steps, in model order.</param>
    /// <param name="group">The data-parallel group.</param>
    /// <param name="bucketBytes">The size of one all-reduce message (DDP's <c>bucket_cap_mb</c>, default 25 MB).</param>
    public GradientReducer(IEnumerable<Parameter> parameters, ProcessGroup group, long bucketBytes = DataParallel.DefaultBucketBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bucketBytes, 1);
        _parameters = [.. parameters.Where(p => p.RequiresGrad)];
        if (_parameters.Count == 0) throw new ArgumentException("no parameter requires a gradient: there is nothing to average", nameof(parameters));
        _group = group;
        _bucketBytes = bucketBytes;
    }

    /// <summary>The group the gradients are averaged over.</summary>
    public ProcessGroup Group => _group;

    /// <summary>Runs <c>loss.backward()</c>; afterwards every parameter's gradient is the mean of the ranks' gradients.</summary>
    public void Backward(Tensor loss)
    {
        loss.Backward();
        DataParallel.AverageGradients(_parameters, _group, _bucketBytes);
    }

    /// <summary>Releases the reducer (the parameters and the group stay).</summary>
    public void Dispose() { }
}
