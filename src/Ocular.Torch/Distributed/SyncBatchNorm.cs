using Ocular.Torch.Nn;

namespace Ocular.Torch.Distributed;

/// <summary>
/// Synchronised batch normalisation (<c>nn.SyncBatchNorm</c>): in training, every batch-norm layer normalises with the
/// mean and variance of the whole global batch — all ranks' images — instead of its own rank's, so that W ranks × batch B
/// compute what one process computes with batch W·B. The statistics are exact two-pass ones (the global mean, then the
/// mean squared deviation from it), summed across the ranks by <see cref="ProcessGroup.DifferentiableAllReduce"/>, whose
/// backward pass sums the ranks' gradients of them: the gradient then flows to every rank's input as in one process.
/// PyTorch 1.13's SyncBatchNorm runs on GPUs only; this one is its CPU counterpart. In evaluation mode the layers use
/// their running statistics, which stay equal on every rank.
/// </summary>
public static class SyncBatchNorm
{
    /// <summary>Makes every batch-norm layer of <paramref name="model"/> synchronise over <paramref name="group"/> (<c>convert_sync_batchnorm</c>); returns how many.</summary>
    public static int Convert(Module model, ProcessGroup group)
    {
        var count = 0;
        foreach (var (_, module) in model.NamedModules())
            if (module is BatchNormBase norm)
            {
                norm.SyncGroup = group;
                count++;
            }
        return count;
    }

    /// <summary>The training-mode forward of <paramref name="norm"/> with global batch statistics; updates its running statistics.</summary>
    internal static Tensor Forward(BatchNormBase norm, Tensor input, ProcessGroup group, double momentum)
    {
        var channels = input.Shape[1];
        long[] reduced = [0, .. Enumerable.Range(2, input.Dim - 2).Select(d => (long)d)];
        var perChannel = input.NumEl / channels;
        Tensor output;
        Tensor mean, variance;
        double count;
        using (var scope = DisposeScope.Enter())
        {
            // One all-reduce for Σx and the number of values per channel, one for Σ(x − mean)².
            using var local = Tensor.Full([1], (double)perChannel, input.DType, input.Device);
            var sums = group.DifferentiableAllReduce(Tensor.Cat([input.Sum(reduced, keepDim: true).Reshape(-1), local]));
            count = sums.Narrow(0, channels, 1).Item<float>();
            if (count <= 1) throw new ArgumentException($"SyncBatchNorm expects more than 1 value per channel in the global batch when training, got input shape {Tensor.ShapeString(input.Shape)} on each of {group.WorldSize} ranks");
            long[] shape = [1, channels, .. Enumerable.Repeat(1L, input.Dim - 2)];
            mean = (sums.Narrow(0, 0, channels) / count).Reshape(shape);
            var centered = input - mean;
            variance = group.DifferentiableAllReduce(centered.Square().Sum(reduced, keepDim: true)) / count;
            output = centered * (variance + norm.Eps).Rsqrt();
            if (norm.Weight is { } weight && norm.Bias is { } bias)
                output = output * weight.Reshape(shape) + bias.Reshape(shape);
            scope.Keep(output);
            scope.Keep(mean);
            scope.Keep(variance);
        }
        using (mean)
        using (variance)
        using (Autograd.NoGrad())
        {
            // As nn.BatchNorm: the running variance takes the unbiased estimate, N / (N − 1) times the batch's.
            if (norm.RunningMean is { } runningMean)
                runningMean.Mul_(1 - momentum).Add_(mean.Detach().Reshape(-1), momentum);
            if (norm.RunningVar is { } runningVar)
                runningVar.Mul_(1 - momentum).Add_(variance.Detach().Reshape(-1), momentum * count / (count - 1));
        }
        return output;
    }
}
