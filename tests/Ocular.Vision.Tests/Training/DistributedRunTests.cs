using Ocular.Torch;
using Ocular.Torch.Nn;
using Ocular.Vision.Data;
using Ocular.Vision.Datasets;
using Ocular.Vision.Datasets.Shapes;
using Ocular.Vision.Training;

namespace Ocular.Vision.Tests.Training;

/// <summary>
/// The data-parallel side of a training run that every trainer shares: a single process does what it always did, and two
/// ranks (threads, each with its own group over loopback) agree on sums, parts, weights and gradients.
/// </summary>
[Collection(GlobalStateCollection.Name)]
public class DistributedRunTests
{
    [Fact]
    public void ASingleProcessIsLeftAsItIs()
    {
        var run = DistributedRun.Single;
        Assert.Equal((0, 1, true), (run.Rank, run.WorldSize, run.Writes));
        Assert.Null(run.Shard);
        Assert.Null(run.Group);
        Assert.Equal([2.5, 7], run.Sum(2.5, 7));
        Assert.True(run.AnyRank(true));
        Assert.False(run.AnyRank(false));
        Assert.Equal([0, 1, 2, 3, 4], run.PartOf(5, 2));
        var data = new ShapesDataset(new ShapesOptions { Count = 5, ImageSize = 32 });
        Assert.Same(data, run.Part(data, 2));
        using var linear = new Linear(3, 2);
        Assert.Null(run.CreateReducer(linear.Parameters()));
        Assert.Equal(7, run.RankZeroFirst(() => 7));
    }

    [Fact]
    public void TwoRanksAgreeOnSumsPartsAndRankZerosValues()
    {
        var order = new System.Collections.Concurrent.ConcurrentQueue<int>();
        var results = LoopbackRanks.Run(2, g =>
        {
            var run = new DistributedRun(g);
            var sums = run.Sum(g.Rank + 1, 10.0 * g.Rank);
            var any = (run.AnyRank(g.Rank == 1), run.AnyRank(false));
            var first = run.RankZeroFirst(() =>
            {
                if (g.Rank == 0) Thread.Sleep(300);   // rank 1 would overtake rank 0 without the barrier
                order.Enqueue(g.Rank);
                return g.Rank;
            });
            using var value = Tensor.FromArray([g.Rank + 5f]);
            run.FromRankZero(value);
            return (run.Writes, run.Shard, sums, any, Parts: (run.PartOf(5, 2), run.PartOf(1, 2)), first, Value: value.Item<float>());
        });
        Assert.Equal([0, 1], order);
        for (var r = 0; r < 2; r++)
        {
            var x = results[r];
            Assert.Equal(r == 0, x.Writes);
            Assert.Equal(new DataShard(r, 2), x.Shard);
            Assert.Equal([3.0, 10.0], x.sums);
            Assert.Equal((true, false), x.any);
            // Batches of 2 of 5 samples, [0 1] [2 3] [4]: rank 0 takes the first and the third, rank 1 the second.
            Assert.Equal(r == 0 ? [0, 1, 4] : [2, 3], x.Parts.Item1);
            Assert.Equal(r == 0 ? [0] : [], x.Parts.Item2);
            Assert.Equal(r, x.first);
            Assert.Equal(5f, x.Value);
        }
    }

    [Fact]
    public void RanksStartFromRankZerosWeightsAndARankWithoutSamplesAddsNothing()
    {
        var results = LoopbackRanks.Run(2, g =>
        {
            var run = new DistributedRun(g);
            using var linear = new Linear(3, 1);
            using var norm = new BatchNorm1d(2);
            using (Autograd.NoGrad())
            {
                // Each rank made its own weights and statistics; rank 0's hold after the broadcasts.
                using var w = Tensor.FromArray([1f + g.Rank, 2f, 3f], 1, 3);
                linear.Weight.Copy_(w);
                using var mean = Tensor.FromArray([g.Rank + 0.5f, -1f]);
                norm.RunningMean!.Copy_(mean);
            }
            run.StartFromRankZero(linear);
            run.BroadcastBuffers(norm);
            using var reducer = run.CreateReducer(linear.Parameters());
            // Rank 0 has a sample, rank 1 none: the averaged gradient is half of rank 0's, on both.
            using var x = Tensor.FromArray([1f, 2f, 3f], 1, 3);
            using var loss = g.Rank == 0 ? linear.Forward(x).Sum() : DistributedRun.NoContribution(linear.Parameters());
            var value = loss.Item<float>();
            DistributedRun.Backward(loss, reducer);
            return (Weight: linear.Weight.ToArray<float>(), Mean: norm.RunningMean!.ToArray<float>(), Grad: linear.Weight.Grad!.ToArray<float>(),
                BiasGrad: linear.Bias!.Grad!.Item<float>(), Loss: value);
        });
        for (var r = 0; r < 2; r++)
        {
            Assert.Equal([1f, 2f, 3f], results[r].Weight);
            Assert.Equal([0.5f, -1f], results[r].Mean);
            Assert.Equal([0.5f, 1f, 1.5f], results[r].Grad);
            Assert.Equal(0.5f, results[r].BiasGrad);
        }
        Assert.Equal(0f, results[1].Loss);
    }

    private sealed class Messages : ITrainingProgress
    {
        public List<string> Lines { get; } = [];

        public void Message(string text) => Lines.Add(text);
    }

    private static int Synchronised(Module model) => model.NamedModules().Count(m => m.Module is BatchNormBase { SyncGroup: not null });

    // --sync-bn, one call for every trainer: on several ranks, when asked, the batch-norm layers of the part that trains are
    // converted and counted; a run whose batch norm does not train says so; a single process, or a run that did not ask,
    // is left as it is and says nothing.
    [Fact]
    public void SynchroniseBatchNormConvertsTheLayersThatTrainAndSaysSo()
    {
        var single = new Messages();
        using (var model = new Sequential(new Linear(2, 2), new BatchNorm1d(2)))
        {
            Assert.Equal(0, DistributedRun.Single.SynchroniseBatchNorm(true, model, single));
            Assert.Equal(0, Synchronised(model));
        }
        Assert.Empty(single.Lines);
        var results = LoopbackRanks.Run(2, g =>
        {
            var run = new DistributedRun(g);
            var messages = new Messages();
            using var model = new Sequential(new BatchNorm1d(2), new Linear(2, 2), new BatchNorm1d(2));
            var notAsked = (run.SynchroniseBatchNorm(false, model, messages), Synchronised(model));
            var asked = (run.SynchroniseBatchNorm(true, model, messages), Synchronised(model));
            var frozen = run.SynchroniseBatchNorm(true, null, messages);
            return (notAsked, asked, frozen, messages.Lines);
        });
        foreach (var (notAsked, asked, frozen, lines) in results)
        {
            Assert.Equal((0, 0), notAsked);
            Assert.Equal((2, 2), asked);
            Assert.Equal(0, frozen);
            Assert.Equal(["batch norm synchronised across the 2 ranks in 2 layers", "--sync-bn: no batch-norm layer trains in this run"], lines);
        }
    }
}
