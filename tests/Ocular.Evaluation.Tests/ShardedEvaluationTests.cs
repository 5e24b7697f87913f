using Ocular.Evaluation.Reports;
using Ocular.Evaluation.Sharding;
using Ocular.Explain;
using Ocular.Explain.Baselines;
using Ocular.TestSupport;
using Ocular.Torch;
using Ocular.Torch.Distributed;
using Ocular.Torch.Serialization;
using Ocular.Vision.Datasets;
using Ocular.Vision.Models;

namespace Ocular.Evaluation.Tests;

/// <summary>
/// Sharded evaluation (docs/distributed.md): the split into chunks dealt out in rounds, the chunk payload's round trip,
/// and two ranks — each on its own thread with its own group and model, over loopback — whose results render to the
/// very files one process renders.
/// </summary>
[Collection(GlobalStateCollection.Name)]
public sealed class ShardedEvaluationTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _checkpoint;

    public ShardedEvaluationTests() => _checkpoint = TinyCheckpoint.Create(_dir.Path);

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void ChunksAreDealtToTheRanksInRounds()
    {
        // 10 images in chunks of 3: [0, 3) [3, 6) [6, 9) [9, 10); two ranks: rounds {0, 1} and {2, 3}.
        var rank0 = new ChunkShard(10, 3, 0, 2);
        var rank1 = new ChunkShard(10, 3, 1, 2);
        Assert.Equal(4, rank0.Chunks);
        Assert.Equal(2, rank0.Rounds);
        Assert.Equal((9, 1), rank0.Extent(3));
        Assert.Equal(0, rank0.ChunkIn(0));
        Assert.Equal(1, rank1.ChunkIn(0));
        Assert.Equal(2, rank0.ChunkIn(1));
        Assert.Equal(3, rank1.ChunkIn(1));
        Assert.Equal((6, 4), rank1.RoundExtent(1));

        // Three ranks: the last round has chunk 3 alone; every image belongs to exactly one rank.
        var three = Enumerable.Range(0, 3).Select(r => new ChunkShard(10, 3, r, 3)).ToList();
        Assert.Equal(2, three[0].Rounds);
        Assert.Equal([3, null, null], three.Select(s => s.ChunkIn(1)));
        var images = from s in three
                     from round in Enumerable.Range(0, s.Rounds)
                     let chunk = s.ChunkIn(round)
                     where chunk is not null
                     from i in Enumerable.Range(s.Extent(chunk.Value).Start, s.Extent(chunk.Value).Count)
                     select i;
        Assert.Equal(Enumerable.Range(0, 10), images.Order());
        // More ranks than chunks: the extra ranks have nothing to do.
        Assert.Null(new ChunkShard(5, 8, 1, 2).ChunkIn(0));
        Assert.Equal(1, new ChunkShard(5, 8, 1, 2).Rounds);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChunkShard(5, 0, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChunkShard(5, 2, 2, 2));
    }

    [Fact]
    public void AChunkSurvivesItsPayloadBitForBit()
    {
        var record = new ImageRecord(3, 13, null, -1, 4, 0.1 + 0.2);
        var method = new MethodChunk { Deletion = [[0.5f, float.Epsilon], [1f, 0f]], RoadLerfKept = [2, 0, 1] };
        method.Values["ad@15"] = [double.NaN, -0.0];
        using var images = Tensor.Arange(12, ScalarType.Float32).Reshape(2, 1, 2, 3);
        using var targets = Tensor.FromArray(new long[] { 4, 1 });
        using var maps = Tensor.Full([2, 2, 3], 0.25, ScalarType.Float32);
        var outcome = new ChunkOutcome
        {
            Start = 3, Records = [record, record with { Position = 4, Path = "a/b.png", Label = 2 }], CleanTop1 = [true, false], CleanTop5 = [],
            Methods = [method], Gallery = [new GalleryItem(record, [1, 2], new Dictionary<string, byte[]> { ["m"] = [3] })],
            Extremes = [new ExtremeCase("ad@15", "m", false, record, double.MaxValue, [9, 8])],
            Sanity = new SanityPart(images.Clone(), targets.Clone(), new Dictionary<string, Tensor> { ["m"] = maps.Clone() }),
        };
        var back = ChunkOutcomeCodec.Decode(ChunkOutcomeCodec.Encode(outcome));
        outcome.Sanity.Dispose();
        using var sanity = back.Sanity!;
        Assert.Equal(3, back.Start);
        Assert.Equal(outcome.Records, back.Records);
        Assert.Equal([true, false], back.CleanTop1);
        Assert.Empty(back.CleanTop5);
        Assert.Equal(BitConverter.DoubleToInt64Bits(-0.0), BitConverter.DoubleToInt64Bits(back.Methods[0].Values["ad@15"][1]));
        Assert.True(double.IsNaN(back.Methods[0].Values["ad@15"][0]));
        Assert.Equal(float.Epsilon, back.Methods[0].Deletion![0][1]);
        Assert.Null(back.Methods[0].Insertion);
        Assert.Null(back.Methods[0].RoadMorfKept);
        Assert.Equal([2L, 0, 1], back.Methods[0].RoadLerfKept!);
        Assert.Equal([3], back.Gallery[0].Overlays["m"]);
        Assert.Equal(outcome.Extremes[0] with { OverlayPng = back.Extremes[0].OverlayPng }, back.Extremes[0]);
        Assert.Equal([9, 8], back.Extremes[0].OverlayPng);
        Assert.True(sanity.Images.Equal(images));
        Assert.Equal([4L, 1], sanity.Targets.ToArray<long>());
        Assert.True(sanity.Maps["m"].Equal(maps));
    }

    // One evaluation with its own model and explainers; `explained` records how many images each explainer made maps of.
    private EvaluationResult Evaluate(ProcessGroup? group, List<long> explained, string? mapsFile = null)
    {
        using var loaded = ClassifierCheckpoint.Load(_checkpoint);
        var data = DataSpec.Parse(EvaluatorTests.ShapesSpec).Open(DataSplit.Test);
        using var oracle = EvaluatorTests.EvidenceMaps(data, 8);
        MethodSource[] methods =
        [
            MethodSource.Explainer("random", _ => new RandomExplainer(1)),
            MethodSource.Explainer("cam", m => new Counting(new CamTestExplainer(m), explained)),
            MethodSource.Explainer("oracle", _ => new SequenceExplainer("oracle", oracle)),
            .. mapsFile is null ? Array.Empty<MethodSource>() : [MethodSource.Maps("file", mapsFile)],
        ];
        // 8 images in chunks of 3: rank 0 computes chunks 0 and 2 (5 images), rank 1 chunk 1 (3); the sanity check's
        // 4 images and the gallery's 5 span both.
        var settings = new EvaluationSettings
        {
            Metrics = [.. MetricCatalog.Defaults, "sanity", "iou"], Reference = "cam", ChunkSize = 3, BatchSize = 4, SanityImages = 4, GalleryImages = 5, RoadPercent = [20, 50],
        };
        return new Evaluator(loaded.Model, loaded.Metadata).Run(data, methods, settings, new EvaluationRunInfo("tiny", EvaluatorTests.ShapesSpec, "test"), group: group);
    }

    [Fact]
    public void TwoRanksGetTheResultOfOneProcess()
    {
        var alone = new List<long>();
        var single = Evaluate(null, alone);
        var counts = new[] { new List<long>(), new List<long>() };
        var sharded = LoopbackRanks.Run(2, g => Evaluate(g, counts[g.Rank]));

        // Each rank explained its own chunks (the first explainer of each run; the sanity check builds more).
        Assert.Equal(8, alone[0]);
        Assert.Equal(5, counts[0][0]);
        Assert.Equal(3, counts[1][0]);
        Assert.Equal(5, single.Gallery.Count);
        Assert.Equal(9, single.Methods[0].Sanity!.Layers.Count);
        Assert.True(double.IsFinite(single.Methods[1].Summary["sanity"]));
        foreach (var result in sharded)
        {
            Assert.Equal(ResultsJson.Render(single), ResultsJson.Render(result));
            Assert.Equal(ResultsCsv.Render(single), ResultsCsv.Render(result));
            Assert.Equal(HtmlReport.Render(single), HtmlReport.Render(result));
        }
    }

    [Fact]
    public void ARankThatFailsFailsTheOthers()
    {
        var errors = LoopbackRanks.Run(2, g =>
        {
            try
            {
                // Rank 1 names a maps file that does not exist, rank 0 a good one: rank 1 fails before its first chunk.
                Evaluate(g, [], mapsFile: g.Rank == 1 ? Path.Combine(_dir.Path, "absent.npy") : WriteMaps());
                return null;
            }
            catch (Exception e)
            {
                return e;
            }
        });
        Assert.IsType<FileNotFoundException>(errors[1]);
        var e = Assert.IsType<DistributedException>(errors[0]);
        Assert.Contains("all_gather failed on rank 0 of 2", e.Message);
    }

    private string WriteMaps()
    {
        var path = Path.Combine(_dir.Path, "maps.npy");
        using var g = new Generator(2);
        using var maps = Tensor.Rand([8, 32, 32], g);
        Npy.Save(path, maps);
        return path;
    }

    // Counts the images it explains.
    private sealed class Counting(IExplainer inner, List<long> explained) : IExplainer
    {
        private readonly int _slot = Add(explained);

        private static int Add(List<long> list)
        {
            lock (list) list.Add(0);
            return list.Count - 1;
        }

        public string Name => inner.Name;

        public Tensor Explain(Tensor images, Tensor targets)
        {
            explained[_slot] += images.Size(0);
            return inner.Explain(images, targets);
        }

        public void Dispose() => inner.Dispose();
    }
}
