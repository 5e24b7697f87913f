using Ocular.TestSupport;
using Ocular.Torch.Distributed;
using Ocular.Torch.Nn;
using Ocular.Torch.Optim;
using F = Ocular.Torch.Functional;

namespace Ocular.Torch.Tests.Distributed;

/// <summary>
/// Two ranks × batch 8, each on its own thread and process group over loopback, take the same SGD steps as one process
/// with batch 16 on the same samples (rank r the r-th of every 2, as DistributedSampler strides), after the ranks'
/// differently initialised models are made equal by broadcast; the gradients go through c10d's reducer. Tolerance on the
/// weights and running statistics after 4 momentum steps: 2e-6 absolute, an order above what float32 reordering gives
/// (the mean over 16 is the mean of two means over 8; synchronised batch norm's statistics are float32 sums across the
/// ranks where one process's batch norm accumulates in double) — observed ≤ 1.2e-7 with and without batch norm.
/// </summary>
public class DataParallelTests
{
    private const int Steps = 4, Batch = 16;

    private static Sequential Model(ulong seed, bool batchNorm)
    {
        Engine.ManualSeed(seed);
        return batchNorm
            ? new Sequential(new Conv2d(3, 4, 3, padding: 1), new BatchNorm2d(4), new ReLU(), new Flatten(), new Linear(4 * 6 * 6, 8), new BatchNorm1d(8), new Linear(8, 3))
            : new Sequential(new Conv2d(3, 4, 3, padding: 1), new ReLU(), new Flatten(), new Linear(4 * 6 * 6, 3));
    }

    private static void Step(Module model, Sgd optimizer, Tensor x, Tensor y, GradientReducer? reducer)
    {
        using var scope = DisposeScope.Enter();
        optimizer.ZeroGrad();
        var loss = F.CrossEntropy(model.Call(x), y);
        if (reducer is null) loss.Backward();
        else reducer.Backward(loss);
        optimizer.Step();
    }

    // Bucket size 256 bytes: after the first step the reducer rebuilds its buckets, and the small model's gradients then
    // travel in several all-reduces launched during the backward pass.
    [Theory]
    // channelsLast: the ranks' weights and inputs are channels-last (as bf16 training lays them out) while the single
    // process stays NCHW: the broadcast and c10d's bucket views must follow the parameters' strides.
    [InlineData(false, DataParallel.DefaultBucketBytes, 2e-6f, false)]
    [InlineData(false, 256L, 2e-6f, false)]
    [InlineData(true, 256L, 2e-6f, false)]
    [InlineData(true, 256L, 2e-6f, true)]
    public async Task TwoRanksOfEightTakeTheStepsOfOneProcessOfSixteen(bool batchNorm, long bucketBytes, float tolerance, bool channelsLast)
    {
        using var generator = new Generator(4);
        var xs = Enumerable.Range(0, Steps).Select(_ => Tensor.Randn([Batch, 3, 6, 6], generator)).ToArray();
        var ys = Enumerable.Range(0, Steps).Select(_ => Tensor.RandInt(3, [Batch], generator)).ToArray();

        using var single = Model(1, batchNorm);
        single.Train();
        using (var optimizer = new Sgd(single.Parameters(), 0.1, momentum: 0.9))
            for (var s = 0; s < Steps; s++) Step(single, optimizer, xs[s], ys[s], null);

        // Rank 1 starts from other weights: the broadcast must make it rank 0's.
        var models = new[] { Model(1, batchNorm), Model(2, batchNorm) };
        var port = LoopbackRanks.FreePort();
        var ranks = Enumerable.Range(0, 2).Select(rank => Task.Factory.StartNew(() =>
        {
            using var group = ProcessGroup.Init("127.0.0.1", port, rank, 2, TimeSpan.FromSeconds(60), "127.0.0.1");
            var model = models[rank];
            model.Train();
            if (channelsLast) model.ToChannelsLast();
            DataParallel.BroadcastState(model, group);
            if (batchNorm) Assert.Equal(2, SyncBatchNorm.Convert(model, group));
            using var reducer = new GradientReducer(model.Parameters(), group, bucketBytes);
            using var mine = Tensor.FromArray(Enumerable.Range(0, Batch / 2).Select(i => (long)(rank + 2 * i)).ToArray());
            using var optimizer = new Sgd(model.Parameters(), 0.1, momentum: 0.9);
            for (var s = 0; s < Steps; s++)
            {
                using var nchw = xs[s].IndexSelect(0, mine);
                using var x = channelsLast ? nchw.ToChannelsLast() : nchw.Alias();
                using var y = ys[s].IndexSelect(0, mine);
                Step(model, optimizer, x, y, reducer);
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        await Task.WhenAll(ranks);

        // Weights and, with batch norm, the running statistics (from the global batch, unbiased variance).
        var expected = single.StateDict();
        foreach (var model in models)
        {
            if (channelsLast) Assert.All(model.Parameters().Where(p => p.Dim == 4), p => Assert.True(p.IsChannelsLast));
            foreach (var (key, value) in model.StateDict())
            {
                using (value)
                using (var diff = value.To(ScalarType.Float32).Sub(expected[key].To(ScalarType.Float32)).Abs().Max())
                    Assert.True(diff.Item<float>() <= tolerance, $"{key}: differs from the single process's by {diff.Item<float>()}");
            }
            model.Dispose();
        }
        foreach (var t in expected.Values.Concat(xs).Concat(ys)) t.Dispose();
    }

    // Without batch norm synchronised, each rank's statistics are its own 8 images': the weights must then differ — the
    // check that the equality above is the synchronisation's doing.
    [Fact]
    public async Task UnsynchronisedBatchNormDiffersFromOneProcess()
    {
        using var generator = new Generator(4);
        using var x = Tensor.Randn([Batch, 3, 6, 6], generator);
        using var y = Tensor.RandInt(3, [Batch], generator);
        using var single = Model(1, batchNorm: true);
        single.Train();
        using (var optimizer = new Sgd(single.Parameters(), 0.1))
            Step(single, optimizer, x, y, null);
        var models = new[] { Model(1, true), Model(1, true) };
        var port = LoopbackRanks.FreePort();
        await Task.WhenAll(Enumerable.Range(0, 2).Select(rank => Task.Factory.StartNew(() =>
        {
            using var group = ProcessGroup.Init("127.0.0.1", port, rank, 2, TimeSpan.FromSeconds(60), "127.0.0.1");
            models[rank].Train();
            using var reducer = new GradientReducer(models[rank].Parameters(), group);
            using var mine = Tensor.FromArray(Enumerable.Range(0, Batch / 2).Select(i => (long)(rank + 2 * i)).ToArray());
            using var optimizer = new Sgd(models[rank].Parameters(), 0.1);
            using var xr = x.IndexSelect(0, mine);
            using var yr = y.IndexSelect(0, mine);
            Step(models[rank], optimizer, xr, yr, reducer);
        }, TaskCreationOptions.LongRunning)));
        using var expected = single.NamedParameters().First().Parameter.Sub(models[0].NamedParameters().First().Parameter).Abs().Max();
        Assert.True(expected.Item<float>() > 1e-4f, $"per-rank batch norm should change the step, differs by {expected.Item<float>()}");
        foreach (var m in models) m.Dispose();
    }
}
