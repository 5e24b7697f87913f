using System.Diagnostics;
using Ocular.Bench.Harness;
using Ocular.Explain.Learned.Lavise;
using Ocular.Explain.Semantics;
using Ocular.Torch;
using Ocular.Torch.Optim;
using Ocular.Vision.Data;

namespace Ocular.Bench.Suites;

// The training workloads of the lavise suite: one explainer step on a fresh batch, and 3 epochs from the pair cache.
public sealed partial class LaviseSuite
{
    private const int TrainBatch = 16;
    private const int EpochImages = 256;
    private const int Epochs = 3;

    /// <summary>What both training workloads set up: the frozen features, COCO's label columns, the explainer and Adam.</summary>
    private sealed class TrainingSetup : IDisposable
    {
        public TrainingSetup()
        {
            Classifier = BuildClassifier();
            Features = new LaviseFeatures(Classifier, Layer, Size);
            // The 102 distinct words of the 91 names, in order of first appearance: the original's itos order.
            var words = CocoLabelNames.SelectMany(n => n.Split(' ')).Distinct().ToList();
            Words = RandomWords(words, 1, "COCO's 102 label words, random vectors");
            Vocabulary = ConceptVocabulary.Create(CocoLabelNames, Words, seenRate: 1, seed: 0);
            Columns = LaviseData.ColumnVectors(Vocabulary, Words);
            // Created after the classifier from the same global generator, as setup_explainer replaces fc after building the model.
            Network = new LaviseNetwork(Features.Channels, Words.Dimension);
            Optimizer = new Adam(Network.Parameters(), lr: LearningRate);
            Step = new LaviseExplainerStep(Network, Optimizer, Vocabulary, Columns);
            using var noGrad = Autograd.NoGrad();
            Initial = Tensor.Cat([.. Network.Parameters().Select(p => p.Detach().Flatten())], 0);
        }

        public Vision.Models.Classifier Classifier { get; }
        public LaviseFeatures Features { get; }
        public WordEmbeddings Words { get; }
        public ConceptVocabulary Vocabulary { get; }
        public Tensor Columns { get; }
        public LaviseNetwork Network { get; }
        public Adam Optimizer { get; }
        public LaviseExplainerStep Step { get; }
        public Tensor Initial { get; }

        /// <summary>The largest change of an explainer weight since the setup; throws unless the loss is finite and a weight moved.</summary>
        public double CheckTrained()
        {
            using var scope = DisposeScope.Enter();
            var now = Tensor.Cat([.. Network.Parameters().Select(p => p.Detach().Flatten())], 0);
            var moved = (double)(now - Initial).Abs().Max().Item<float>();
            if (!double.IsFinite(Step.Loss) || !(moved > 0))
                throw new InvalidOperationException($"sanity: loss {Step.Loss}, explainer weights moved by {moved}");
            return moved;
        }

        public Dictionary<string, object> Extra(LaviseConceptImages data) => new()
        {
            ["layer"] = Layer,
            ["channels"] = Features.Channels,
            ["feature_size"] = $"{Features.Height}x{Features.Width}",
            ["label_columns"] = Vocabulary.Columns,
            ["loss"] = Step.Loss,
            ["top1"] = Step.Top1,
            ["top5"] = Step.Top5,
            ["pairs_stepped"] = Step.Pairs,
            ["weights_moved"] = CheckTrained(),
            ["explainer_parameters"] = Network.Parameters().Sum(p => p.NumEl),
            ["trunk_weights_sum"] = TrunkSum(Classifier),
            ["inputs_sum"] = data.ImagesSum,
            ["mask_pixels"] = data.MaskPixels,
            ["concepts_sum"] = data.ConceptsSum,
            ["words_sum"] = Sum(Words.Vectors),
        };

        public void Dispose()
        {
            Initial.Dispose();
            Optimizer.Dispose();
            Network.Dispose();
            Columns.Dispose();
            Words.Dispose();
            Classifier.Dispose();
        }
    }

    private static Measurement TrainStep(Plan plan)
    {
        var rssBase = Memory.ResidentMb();
        using var setup = new TrainingSetup();
        using var data = new LaviseConceptImages(TrainBatch, Size);
        var loader = new DataLoader(data, new DataLoaderOptions { BatchSize = TrainBatch });
        var pairs = 0;
        var samples = Sampler.Run(plan, () =>
        {
            foreach (var batch in loader.Epoch(0))
            {
                using (batch)
                {
                    using var batchPairs = ConceptPairs.FromBatch(batch, setup.Features, setup.Vocabulary);
                    setup.Step.Run(batchPairs.Pooled, batchPairs.Concepts);
                    pairs = batchPairs.Count;
                }
            }
        });
        if (pairs != TrainBatch) throw new InvalidOperationException($"sanity: {pairs} concept–mask pairs from {TrainBatch} images with one box each");
        var extra = setup.Extra(data);
        extra["batch"] = TrainBatch;
        extra["rss_base_mb"] = rssBase ?? double.NaN;
        return Measurement.Throughput(samples, TrainBatch, Units.ImagesPerSecond, extra);
    }

    private static Measurement TrainEpochsCached(Plan plan)
    {
        var rssBase = Memory.ResidentMb();
        using var setup = new TrainingSetup();
        using var data = new LaviseConceptImages(EpochImages, Size);
        var transform = new IdentityTransform();
        double build = double.NaN, buildCpu = double.NaN, cacheMb = double.NaN;
        var epochSeconds = new List<double>();
        var epochCpu = new List<double>();
        var samples = Sampler.Run(plan, () =>
        {
            var clock = Stopwatch.StartNew();
            var cpu = Environment.CpuUsage.TotalTime;
            using var cache = ConceptPairs.Build(data, transform, setup.Features, setup.Vocabulary, TrainBatch, workers: 0, progress: null, CancellationToken.None);
            build = clock.Elapsed.TotalSeconds;
            buildCpu = (Environment.CpuUsage.TotalTime - cpu).TotalSeconds;
            cacheMb = cache.Bytes / 1e6;
            for (var epoch = 1; epoch <= Epochs; epoch++)
            {
                var epochClock = Stopwatch.StartNew();
                var epochStart = Environment.CpuUsage.TotalTime;
                TrainCachedEpoch(setup.Step, cache, epoch);
                epochSeconds.Add(epochClock.Elapsed.TotalSeconds);
                epochCpu.Add((Environment.CpuUsage.TotalTime - epochStart).TotalSeconds);
            }
        });
        var epochMedian = Sampler.Median(epochSeconds);
        var extra = setup.Extra(data);
        extra["batch"] = TrainBatch;
        extra["epochs"] = Epochs;
        extra["images"] = EpochImages;
        extra["build_s"] = build;
        extra["build_cpu_s"] = buildCpu;
        extra["cache_mb"] = cacheMb;
        // The steady state: what each further epoch costs once the cache exists.
        extra["epoch_s"] = epochMedian;
        extra["epoch_cpu_s"] = Sampler.Median(epochCpu);
        extra["epoch_pairs_per_s"] = EpochImages / epochMedian;
        extra["rss_base_mb"] = rssBase ?? double.NaN;
        return Measurement.Throughput(samples, EpochImages * Epochs, PairsPerSecond, extra);
    }

    // One epoch from the cache, as the trainer's cached path: a permutation seeded by the epoch, batches of TrainBatch
    // pairs, a last batch of one pair dropped (train-mode batch norm needs two).
    private static void TrainCachedEpoch(LaviseExplainerStep step, ConceptPairs cache, int epoch)
    {
        int[] order;
        using (var generator = new Generator((ulong)epoch))
        using (var permutation = Tensor.RandPerm(cache.Count, generator))
            order = [.. permutation.ToArray<long>().Select(i => (int)i)];
        for (var start = 0; start < order.Length; start += TrainBatch)
        {
            var indices = order.AsSpan(start, Math.Min(TrainBatch, order.Length - start));
            if (indices.Length < 2) continue;
            using var pooled = cache.Features(indices);
            step.Run(pooled, [.. indices.ToArray().Select(i => cache.Concepts[i])]);
        }
    }
}
