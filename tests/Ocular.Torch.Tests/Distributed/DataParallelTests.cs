using System.Net;
using System.Net.Sockets;
using Ocular.Torch.Distributed;
using Ocular.Torch.Nn;
using Ocular.Torch.Optim;
using F = Ocular.Torch.Functional;

namespace Ocular.Torch.Tests.Distributed;

/// <summary>
/// Two ranks × batch 8, each on its own thread and process group over loopback, take the same SGD steps as one process
/// with batch 16 on the same samples (rank r the r-th of every 2, as DistributedSampler strides), after the ranks'
/// differently initialised models are made equal by broadcast. Tolerance 2e-6 absolute on the weights: the mean over 16
/// is then the mean of two means over 8, the same float32 sums in another order (observed ≤ 1e-7).
/// </summary>
public class DataParallelTests
{
    private const int Steps = 3, Batch = 16;

    private static Sequential Model(ulong seed)
    {
        Engine.ManualSeed(seed);
        return new Sequential(new Conv2d(3, 4, 3, padding: 1), new ReLU(), new Flatten(), new Linear(4 * 6 * 6, 3));
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static void Step(Module model, Sgd optimizer, Tensor x, Tensor y, ProcessGroup? group)
    {
        using var scope = DisposeScope.Enter();
        optimizer.ZeroGrad();
        F.CrossEntropy(model.Call(x), y).Backward();
        if (group is not null) DataParallel.AverageGradients([.. model.Parameters()], group);
        optimizer.Step();
    }

    [Fact]
    public async Task TwoRanksOfEightTakeTheStepsOfOneProcessOfSixteen()
    {
        using var generator = new Generator(4);
        var xs = Enumerable.Range(0, Steps).Select(_ => Tensor.Randn([Batch, 3, 6, 6], generator)).ToArray();
        var ys = Enumerable.Range(0, Steps).Select(_ => Tensor.RandInt(3, [Batch], generator)).ToArray();

        using var single = Model(1);
        using (var optimizer = new Sgd(single.Parameters(), 0.1, momentum: 0.9))
            for (var s = 0; s < Steps; s++) Step(single, optimizer, xs[s], ys[s], null);

        // Rank 1 starts from other weights: the broadcast must make it rank 0's.
        var models = new[] { Model(1), Model(2) };
        var port = FreePort();
        var ranks = Enumerable.Range(0, 2).Select(rank => Task.Factory.StartNew(() =>
        {
            using var group = ProcessGroup.Init("127.0.0.1", port, rank, 2, TimeSpan.FromSeconds(60), "127.0.0.1");
            var model = models[rank];
            DataParallel.BroadcastState(model, group);
            using var mine = Tensor.FromArray(Enumerable.Range(0, Batch / 2).Select(i => (long)(rank + 2 * i)).ToArray());
            using var optimizer = new Sgd(model.Parameters(), 0.1, momentum: 0.9);
            for (var s = 0; s < Steps; s++)
            {
                using var x = xs[s].IndexSelect(0, mine);
                using var y = ys[s].IndexSelect(0, mine);
                Step(model, optimizer, x, y, group);
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        await Task.WhenAll(ranks);

        var expected = single.StateDict();
        foreach (var model in models)
        {
            foreach (var (key, value) in model.StateDict())
            {
                using (value)
                using (var diff = value.Sub(expected[key]).Abs().Max())
                    Assert.True(diff.Item<float>() <= 2e-6f, $"{key}: differs from the single process's by {diff.Item<float>()}");
            }
            model.Dispose();
        }
        foreach (var t in expected.Values.Concat(xs).Concat(ys)) t.Dispose();
    }
}
