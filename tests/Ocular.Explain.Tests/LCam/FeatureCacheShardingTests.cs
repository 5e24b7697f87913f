using Ocular.Explain.Learned.LCam;
using Ocular.Torch;
using Ocular.Vision.Datasets;
using Ocular.Vision.Models;
using Ocular.Vision.Training;

namespace Ocular.Explain.Tests.LCam;

/// <summary>
/// L-CAM-Fm's feature cache built by two ranks (threads, each with its own group over loopback): each computes every
/// other batch and they exchange them, and each ends with the single process's cache to the bit.
/// </summary>
[Collection(GlobalStateCollection.Name)]
public class FeatureCacheShardingTests
{
    [Fact]
    public void TwoRanksBuildTheSingleProcesssCache()
    {
        using var f = new LCamFixture();
        // 38 images in batches of 8: 5 batches, so the last round has rank 0's batch of 6 alone (rank 1 sends padding).
        var data = new FirstImages(DataSpec.Parse("shapes").Open(DataSplit.Train), 38);
        var all = Enumerable.Range(0, 38).ToArray();

        (float[] Features, long[] Targets)[] Build(DistributedRun? distributed)
        {
            // Each rank its own network: the frozen trunk's layer capture is per module.
            using var loaded = ClassifierCheckpoint.Load(f.ClassifierPath);
            using var network = LCamNetwork.Create(loaded.Model, loaded.Metadata.Normalization, LCamVariant.Fm, null, loaded.Metadata.InputSize);
            using var cache = FeatureCache.Build(network, data, loaded.Metadata.Preprocessing(normalise: false), 2, LCamTargetSource.Predictions,
                ScalarType.Float16, 8, 0, CancellationToken.None, distributed);
            return [.. Enumerable.Range(0, 2).Select(view =>
            {
                var (features, targets) = cache.Get(all, Enumerable.Repeat(view, all.Length).ToArray());
                using (features) using (targets) return (features.ToArray<float>(), targets.ToArray<long>());
            })];
        }

        var single = Build(null);
        var ranks = LoopbackRanks.Run(2, g => Build(new DistributedRun(g)));
        Assert.Equal(0, single[0].Features.Length % 38);
        Assert.NotEqual(single[0].Features, single[1].Features);   // the views differ, so a swapped view or batch would show
        foreach (var rank in ranks)
            for (var view = 0; view < 2; view++)
            {
                Assert.Equal(single[view].Targets, rank[view].Targets);
                Assert.Equal(single[view].Features, rank[view].Features);
            }
    }
}
