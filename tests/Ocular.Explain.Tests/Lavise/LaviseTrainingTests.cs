using System.Globalization;
using System.Text.Json.Nodes;
using Ocular.Explain.Learned.Lavise;
using Ocular.Explain.Semantics;
using Ocular.TestSupport;
using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Datasets;
using Ocular.Vision.Models;
using Ocular.Vision.Training;

namespace Ocular.Explain.Tests.Lavise;

/// <summary>Short LaViSE runs on Shapes' concept masks: the run's files, resuming, the filter explanation and its recall, and bad input.</summary>
[Collection(GlobalStateCollection.Name)]
public class LaviseTrainingTests
{
    private const string Data = "shapes:count=48,test-count=16";

    /// <summary>A compact-CNN classifier for Shapes (seeded random weights) and a small GloVe-format embedding holding Shapes' concept words.</summary>
    private sealed class Fixture : IDisposable
    {
        private readonly string? _cacheHome = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");

        public Fixture(IEnumerable<string>? words = null)
        {
            // Parsed embeddings are cached under XDG_CACHE_HOME: keep the test's out of the user's cache.
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", Directory.File("cache"));
            var train = DataSpec.Parse(Data).Open(DataSplit.Train);
            var recipe = DataRecipe.For("shapes", train, null, "none");
            Engine.ManualSeed(1);
            using var model = ModelZoo.Create("compact_cnn", train.ClassNames.Count, recipe.InChannels);
            model.Eval();
            ModelPath = Directory.File("model.ocular");
            ClassifierCheckpoint.Save(ModelPath, model, recipe.Metadata("compact_cnn", train.ClassNames));
            var vocabulary = (words ?? ((IConceptDataset)train).Concepts.Concat(["the", "object", "colour", "paint", "shape", "line"])).ToList();
            var random = new Random(3);
            EmbeddingsPath = Directory.File("vectors.txt");
            File.WriteAllLines(EmbeddingsPath, vocabulary.Select(w => w + " " + string.Join(" ",
                Enumerable.Range(0, 16).Select(_ => (random.NextDouble() * 2 - 1).ToString("F4", CultureInfo.InvariantCulture)))));
        }

        public TempDirectory Directory { get; } = new();

        public string ModelPath { get; }

        public string EmbeddingsPath { get; }

        public LaviseTrainingOptions Options(string run, int epochs = 3) => new()
        {
            Classifier = ModelPath, Data = Data, Embeddings = EmbeddingsPath, Epochs = epochs, BatchSize = 16, LearningRate = 1e-3,
            Workers = 0, OutputDirectory = Directory.File(run),
        };

        public void Dispose()
        {
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", _cacheHome);
            Directory.Dispose();
        }
    }

    private static float[] Weights(string path)
    {
        using var c = SafeTensors.Load(path);
        return [.. c.Tensors.Where(kv => char.IsDigit(kv.Key[0]) && kv.Value.DType == ScalarType.Float32).OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .SelectMany(kv => kv.Value.ToArray<float>())];
    }

    [Fact]
    public void ARunWritesItsFilesAndRecordsTheSeenConcepts()
    {
        using var f = new Fixture();
        var result = LaviseTrainer.Train(f.Options("run"));
        Assert.Equal(3, result.CompletedEpochs);
        Assert.Equal(3, result.Epochs.Count);
        Assert.All(result.Epochs, e => Assert.True(double.IsFinite(e.TrainLoss) && double.IsFinite(e.TestLoss) && e.TestTop5 >= e.TestTop1));
        Assert.True(File.Exists(result.BestCheckpoint));
        // Shapes' 12 concepts (6 shapes, 6 colours) are single words: 12 columns, floor(12 · 0.7) = 8 seen, drawn without replacement.
        var concepts = JsonNode.Parse(File.ReadAllText(Path.Combine(result.RunDirectory, LaviseTrainer.ConceptsFile)))!;
        Assert.Equal(12, concepts["columns"]!.AsArray().Count);
        Assert.Equal(8, concepts["columns"]!.AsArray().Count(c => c!["seen"]!.GetValue<bool>()));
        Assert.Equal(8, result.Vocabulary.SeenColumns.Distinct().Count());
        var (network, metadata) = LaviseCheckpoint.Load(result.BestCheckpoint);
        using (network)
        {
            Assert.Equal("block4", metadata.Layer);
            Assert.Equal(16, metadata.Height);
            Assert.Equal(16, metadata.EmbeddingDimension);
            Assert.Equal(metadata.Channels, network.FeatureChannels);
        }
    }

    [Fact]
    public void AResumedRunEndsWhereAnUninterruptedOneDoes()
    {
        using var f = new Fixture();
        var whole = LaviseTrainer.Train(f.Options("whole"));
        LaviseTrainer.Train(f.Options("parts", epochs: 2));
        var resumed = LaviseTrainer.Resume(f.Directory.File("parts"), epochs: 3);
        Assert.Equal(3, resumed.CompletedEpochs);
        Assert.Single(resumed.Epochs);
        Assert.Equal(Weights(whole.LastCheckpoint), Weights(resumed.LastCheckpoint));
    }

    /// <summary>
    /// LaViSE in bf16 (docs/precision.md): the frozen features under autocast (kept as float32) and the explainer's forward
    /// and loss too; the first epoch's loss within 1 % of float32's (measured 6e-4 and 7e-4 for the validation loss), float32 master weights and Adam
    /// state, bf16 recorded, the checkpoint maps features in float32; the float32 run resumes in bf16.
    /// </summary>
    [Fact]
    public void ABf16RunTrainsLikeFloat32AndResumesFromAFloat32One()
    {
        using var f = new Fixture();
        var fp32 = LaviseTrainer.Train(f.Options("fp32", epochs: 1));
        var bf16 = LaviseTrainer.Train(f.Options("bf16", epochs: 1) with { Precision = Precision.Bf16 });
        MixedPrecisionAssert.CloseButNotEqual(fp32.Epochs[0].TrainLoss, bf16.Epochs[0].TrainLoss, 0.01, "first-epoch training loss");
        MixedPrecisionAssert.CloseButNotEqual(fp32.Epochs[0].TestLoss, bf16.Epochs[0].TestLoss, 0.01, "first-epoch validation loss");
        MixedPrecisionAssert.MasterStateIsFloat32(bf16.LastCheckpoint);
        Assert.Equal("bf16", MixedPrecisionAssert.RecordedPrecision(bf16.RunDirectory));

        var (network, _) = LaviseCheckpoint.Load(bf16.LastCheckpoint);
        using (network)
        using (Autograd.NoGrad())
        {
            network.Eval();
            using var pooled = Tensor.Rand([3, network.FeatureChannels]);
            using var embedded = network.Forward(pooled);
            Assert.Equal(ScalarType.Float32, embedded.DType);
            Assert.All(embedded.ToArray<float>(), v => Assert.True(float.IsFinite(v)));
        }

        var messages = new MixedPrecisionAssert.Messages();
        var resumed = LaviseTrainer.Resume(fp32.RunDirectory, epochs: 2, progress: messages, precision: Precision.Bf16);
        Assert.True(double.IsFinite(Assert.Single(resumed.Epochs).TrainLoss));
        MixedPrecisionAssert.ContinuedInBf16(messages, fp32.RunDirectory, resumed.LastCheckpoint);
    }

    [Fact]
    public void FiltersAreExplainedWithWordsAndScoredWithRecall()
    {
        using var f = new Fixture();
        var result = LaviseTrainer.Train(f.Options("run"));
        using var loaded = ClassifierCheckpoint.Load(f.ModelPath);
        var (network, metadata) = LaviseCheckpoint.Load(result.BestCheckpoint);
        using var _ = network;
        LaviseCheckpoint.CheckModel(result.BestCheckpoint, metadata, loaded.Model, "block4");
        var features = new LaviseFeatures(loaded.Model, metadata.Layer, metadata.InputSize);
        var reference = DataSpec.Parse(Data).Open(DataSplit.Test);
        var transform = loaded.Metadata.Preprocessing();
        var statistics = FilterStatistics.Compute(features, reference, transform, 8, 0, null, CancellationToken.None);
        Assert.Equal((int)features.Channels, statistics.Thresholds.Count);
        Assert.Equal(16 * 16 * 16L, statistics.Positions);
        using var embeddings = WordEmbeddings.Load(f.EmbeddingsPath);
        var explainer = new FilterExplainer(features, network, embeddings, statistics);
        var seen = result.Vocabulary.SeenColumns.Select(c => result.Vocabulary.ColumnWords[c]).ToHashSet();
        foreach (var method in FilterMaskings.All.Select(m => m.Method))
        {
            var explained = explainer.Explain(reference, transform, [0, 5, 9], new FilterExplanationOptions { Method = method, TopImages = 4 }, seen);
            Assert.Equal([0, 5, 9], explained.Filters.Select(x => x.Filter));
            foreach (var filter in explained.Filters)
            {
                Assert.InRange(filter.Images.Count, 1, 4);
                Assert.InRange(filter.Words.Count, 1, 10);
                Assert.Equal(filter.Words.Select(w => w.Count).OrderByDescending(c => c), filter.Words.Select(w => w.Count));
                Assert.All(filter.Images, i => Assert.Equal(18, i.Words.Count));   // the largest recall k, 20, capped by the 18-word vocabulary
                Assert.Equal(filter.Images.Select(i => i.MaxActivation).OrderByDescending(m => m), filter.Images.Select(i => i.MaxActivation));
            }
            Assert.Equal(["all", "seen", "unseen"], explained.Recall.Select(r => r.Group));
            foreach (var row in explained.Recall.Concat(explained.Baseline))
                foreach (var (k, value) in row.At)
                    Assert.True(double.IsNaN(value) ? row.Pairs == 0 : value is >= 0 and <= 1, $"{method} {row.Group} recall@{k} = {value}");
            // Recall@k cannot fall as k grows (the words of k are a prefix of those of a larger k).
            var all = explained.Recall[0];
            if (all.Pairs > 0) Assert.True(all.At[5] <= all.At[10] && all.At[10] <= all.At[20]);
        }
    }

    [Fact]
    public void FeaturesKeptByTheStatisticsPassGiveTheSameExplanations()
    {
        using var f = new Fixture();
        var result = LaviseTrainer.Train(f.Options("run", epochs: 1));
        using var loaded = ClassifierCheckpoint.Load(f.ModelPath);
        var (network, metadata) = LaviseCheckpoint.Load(result.BestCheckpoint);
        using var _ = network;
        var features = new LaviseFeatures(loaded.Model, metadata.Layer, metadata.InputSize);
        var reference = DataSpec.Parse(Data).Open(DataSplit.Test);
        var transform = loaded.Metadata.Preprocessing();
        var perImage = features.Channels * features.Height * features.Width * sizeof(float);
        using var all = new ReferenceFeatures();
        using var some = new ReferenceFeatures(budgetBytes: 5 * perImage + 1);   // room for 5 images: the rest recomputed
        var statistics = FilterStatistics.Compute(features, reference, transform, 8, 0, null, CancellationToken.None, all);
        FilterStatistics.Compute(features, reference, transform, 8, 0, null, CancellationToken.None, some);
        Assert.Equal((reference.Count, false, reference.Count * perImage), (all.Count, all.Overflowed, all.Bytes));
        Assert.Equal((5, true, 5 * perImage), (some.Count, some.Overflowed, some.Bytes));
        using var embeddings = WordEmbeddings.Load(f.EmbeddingsPath);
        int[] filters = [0, 3, 5, 9];
        foreach (var method in new[] { FilterMasking.FilterAttention, FilterMasking.ImageMasking })
        {
            var options = new FilterExplanationOptions { Method = method, TopImages = 6, BatchSize = 4 };
            var recomputed = new FilterExplainer(features, network, embeddings, statistics).Explain(reference, transform, filters, options);
            foreach (var kept in new[] { all, some })
            {
                var reused = new FilterExplainer(features, network, embeddings, statistics, kept).Explain(reference, transform, filters, options);
                for (var u = 0; u < filters.Length; u++)
                {
                    Assert.Equal(recomputed.Filters[u].Words, reused.Filters[u].Words);
                    foreach (var (a, b) in recomputed.Filters[u].Images.Zip(reused.Filters[u].Images))
                    {
                        Assert.Equal(a.Words, b.Words);
                        Assert.Equal(a.GroundTruth, b.GroundTruth);
                        Assert.Equal(a.ActivationMap, b.ActivationMap);
                    }
                }
            }
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReferenceFeatures(-1));
    }

    [Fact]
    public void BadInputGetsOneClearError()
    {
        using var f = new Fixture(words: ["circle", "square", "red"]);
        var missing = Assert.Throws<KeyNotFoundException>(() => LaviseTrainer.Train(f.Options("missing")));
        Assert.Contains("no embedding for 9 of the 12 concepts", missing.Message);
        Assert.Contains("'triangle'", missing.Message);
        Assert.False(File.Exists(f.Directory.File("missing/config.json")));   // nothing half-written

        using var g = new Fixture();
        var result = LaviseTrainer.Train(g.Options("run", epochs: 1));
        using var loaded = ClassifierCheckpoint.Load(g.ModelPath);
        var metadata = LaviseCheckpoint.ReadMetadata(result.BestCheckpoint);
        var layer = Assert.Throws<InvalidDataException>(() => LaviseCheckpoint.CheckModel(result.BestCheckpoint, metadata, loaded.Model, "block3"));
        Assert.Contains("explains layer 'block4', not 'block3'", layer.Message);
        var notLavise = Assert.Throws<InvalidDataException>(() => LaviseCheckpoint.ReadMetadata(g.ModelPath));
        Assert.Contains("a classifier checkpoint, not a LaViSE checkpoint", notLavise.Message);
        // A learning rate that overflows the weights: the run stops at the first non-finite loss, naming where.
        var diverged = Assert.Throws<TrainingInterruptedException>(() => LaviseTrainer.Train(g.Options("diverged", epochs: 1) with { LearningRate = 1e36 }));
        var nan = Assert.IsType<ArithmeticException>(diverged.InnerException);
        Assert.Matches(@"the CSMR loss is not finite \(.*\) at epoch 1, batch \d+", nan.Message);
        var fashion = Assert.Throws<DatasetException>(() => LaviseTrainer.Train(g.Options("mnist") with { Data = "fashion-mnist" }));
        Assert.Contains("has no concept masks", fashion.Message);
    }
}
