using Ocular.Torch.Interop;
using Ocular.Torch.Nn;

namespace Ocular.Torch.Distributed;

/// <summary>
/// The gradient half of PyTorch's <c>DistributedDataParallel</c>, through libtorch's own <c>c10d::Reducer</c>:
/// <see cref="Backward"/> runs the backward pass and leaves every trainable parameter's gradient averaged over the ranks,
/// so that W ranks × batch B take the step one process takes with batch W·B. As in DDP, the gradients are all-reduced in
/// buckets while the backward pass goes on: one bucket on the first step, then buckets rebuilt in the order the
/// gradients became ready (1 MB first, then <c>bucketBytes</c>), each sent as soon as its last gradient is ready.
/// Create one per training run after the parameters are equal on every rank (<see cref="DataParallel.BroadcastState"/>)
/// and call <see cref="Backward"/> instead of <see cref="Tensor.Backward"/> on every step, on every rank alike.
/// </summary>
public sealed class GradientReducer : IDisposable
{
    private readonly ReducerHandle _handle;

    /// <summary>Averages the gradients of <paramref name="parameters"/> (those that require a gradient) over <paramref name="group"/>.</summary>
    /// <param name="parameters">The parameters the optimizer steps, in model order.</param>
    /// <param name="group">The data-parallel group.</param>
    /// <param name="bucketBytes">The size of one all-reduce message (DDP's <c>bucket_cap_mb</c>, default 25 MB).</param>
    /// <param name="findUnusedParameters">
    /// As DDP's option: set it when some step's loss does not depend on every parameter; the reducer then walks the
    /// graph from the loss each step and counts the parameters it misses as ready with a zero gradient.
    /// </param>
    public GradientReducer(IEnumerable<Parameter> parameters, ProcessGroup group, long bucketBytes = DataParallel.DefaultBucketBytes, bool findUnusedParameters = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bucketBytes, 1);
        List<Tensor> trainable = [.. parameters.Where(p => p.RequiresGrad)];
        if (trainable.Count == 0) throw new ArgumentException("no parameter requires a gradient: there is nothing to average", nameof(parameters));
        Group = group;
        var pointer = Tensor.WithHandles(trainable, (p, n) =>
        {
            unsafe { return Native.ocl_dist_reducer_new(group.Handle, (IntPtr*)p, n, bucketBytes, findUnusedParameters ? 1 : 0); }
        });
        if (pointer == IntPtr.Zero)
            throw new DistributedException($"could not set up the gradient reducer on rank {group.Rank} of {group.WorldSize}: {TorchException.LastError().Split('\n')[0]}");
        _handle = new ReducerHandle(pointer);
    }

    /// <summary>The group the gradients are averaged over.</summary>
    public ProcessGroup Group { get; }

    /// <summary>Runs <c>loss.backward()</c>; afterwards every parameter's gradient is the mean of the ranks' gradients.</summary>
    /// <exception cref="DistributedException">The backward pass failed — a rank died or timed out during the all-reduce, or the step's loss missed a parameter without <c>findUnusedParameters</c>.</exception>
    public void Backward(Tensor loss)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (Native.ocl_dist_reducer_prepare(_handle, loss.Handle) < 0)
            throw Failure("preparing the reducer");
        try
        {
            loss.Backward();
        }
        catch (TorchException e)
        {
            throw Failure("the backward pass, whose gradients are all-reduced as they become ready,", e.Message);
        }
    }

    private DistributedException Failure(string what, string? message = null) => Group.Failure(what, message ?? TorchException.LastError());

    /// <summary>Releases the reducer (its hooks leave the parameters; the parameters and the group stay).</summary>
    public void Dispose() => _handle.Dispose();
}
