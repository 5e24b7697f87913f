using Ocular.Torch.Nn;

namespace Ocular.Torch.Distributed;

/// <summary>
/// The state half of PyTorch's <c>DistributedDataParallel</c>, over a <see cref="ProcessGroup"/>: the model's parameters
/// and buffers broadcast from one rank so that every rank starts equal, and its buffers (batch-norm statistics) before
/// each forward, in flat buckets of about <see cref="DefaultBucketBytes"/> so that each broadcast moves a large message.
/// The gradient half is <see cref="GradientReducer"/>.
/// </summary>
public static class DataParallel
{
    /// <summary>DDP's default bucket size, 25 MB.</summary>
    public const long DefaultBucketBytes = 25L << 20;

    /// <summary>Copies rank <paramref name="root"/>'s parameters and buffers into every rank's <paramref name="model"/>.</summary>
    public static void BroadcastState(Module model, ProcessGroup group, int root = 0)
    {
        using var noGrad = Autograd.NoGrad();
        var tensors = model.Parameters().Cast<Tensor>().Concat(model.NamedBuffers().Select(b => b.Buffer)).ToList();
        foreach (var bucket in Buckets(tensors, DefaultBucketBytes))
            Exchange(bucket, flat => group.Broadcast(flat, root));
    }

    /// <summary>Copies rank <paramref name="root"/>'s buffers (batch-norm statistics) into every rank's <paramref name="model"/>, as DDP's <c>broadcast_buffers</c> does before each forward.</summary>
    public static void BroadcastBuffers(Module model, ProcessGroup group, int root = 0)
    {
        using var noGrad = Autograd.NoGrad();
        var buffers = model.NamedBuffers().Select(b => b.Buffer).ToList();
        foreach (var bucket in Buckets(buffers, DefaultBucketBytes))
            Exchange(bucket, flat => group.Broadcast(flat, root));
    }

    // Consecutive tensors of one element type, up to `bytes` per bucket (a tensor larger than that is a bucket alone).
    private static IEnumerable<List<Tensor>> Buckets(IReadOnlyList<Tensor> tensors, long bytes)
    {
        var bucket = new List<Tensor>();
        long size = 0;
        foreach (var t in tensors)
        {
            var n = t.NumEl * t.DType.ElementSize();
            if (bucket.Count > 0 && (size + n > bytes || bucket[0].DType != t.DType))
            {
                yield return bucket;
                (bucket, size) = ([], 0);
            }
            bucket.Add(t);
            size += n;
        }
        if (bucket.Count > 0) yield return bucket;
    }

    // Packs the bucket into one flat tensor, runs the collective on it, and copies the result back into each tensor.
    private static void Exchange(List<Tensor> bucket, Action<Tensor> collective)
    {
        using var scope = DisposeScope.Enter();
        var flat = Tensor.Cat([.. bucket.Select(t => t.Reshape(-1))]);
        collective(flat);
        long offset = 0;
        foreach (var t in bucket)
        {
            t.Copy_(flat.Narrow(0, offset, t.NumEl).View(t.Shape));
            offset += t.NumEl;
        }
    }
}
