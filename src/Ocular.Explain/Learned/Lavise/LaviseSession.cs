using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ocular.Explain.Semantics;
using Ocular.Torch;
using Ocular.Torch.Distributed;
using Ocular.Torch.Optim;
using Ocular.Torch.Optim.LrSchedulers;
using Ocular.Vision.Data;
using Ocular.Vision.Datasets;
using Ocular.Vision.Models;
using Ocular.Vision.Training;
using Ocular.Vision.Transforms;

namespace Ocular.Explain.Learned.Lavise;

/// <summary>One call of <see cref="LaviseTrainer.Train"/> or <see cref="LaviseTrainer.Resume"/>: sets the run up, then trains epoch by epoch.</summary>
internal sealed class LaviseSession(LaviseTrainingOptions options, RunDirectory run, bool resuming, ITrainingProgress progress)
{
    /// <summary>Rewrite config.json (a resumed run whose epochs or workers changed).</summary>
    public bool RewriteConfig { get; init; }

    /// <summary>The thread count recorded by the original run (0 when unknown).</summary>
    public int OriginalThreads { get; init; }

    /// <summary>The data-parallel run (a single process by default): shards, reductions, and which rank writes.</summary>
    public DistributedRun Distributed { get; init; } = DistributedRun.Single;

    private sealed record State(int Epoch, double BestLoss, int BestEpoch);

    public LaviseTrainingResult Run(CancellationToken cancellationToken)
    {
        var precision = TrainingPrecision.Resolve(options.Precision, Distributed, progress);
        options = options with { Precision = precision.Effective };   // config.json records what runs: fp32 or bf16
        var spec = DataSpec.Parse(options.Data);
        using var loaded = ClassifierCheckpoint.Load(options.Classifier);
        var (classifier, meta) = (loaded.Model, loaded.Metadata);
        var hash = ClassifierCheckpoint.WeightsHash(classifier);
        var layer = options.Layer ?? classifier.DefaultLayer;
        var features = new LaviseFeatures(classifier, layer, meta.InputSize) { Precision = precision };
        var fullTrain = spec.OpenConcepts(DataSplit.Train);
        var concepts = fullTrain.Concepts;
        IImageDataset train = options.TrainImages is { } nTrain ? new FirstImages(fullTrain, nTrain) : fullTrain;
        var fullTest = spec.Open(DataSplit.Test);
        IImageDataset test = options.TestImages is { } nTest ? new FirstImages(fullTest, nTest) : fullTest;

        using var embeddings = Distributed.RankZeroFirst(() => LaviseData.OpenEmbeddings(options.Embeddings, progress));   // rank 0 builds the default vectors once
        var vocabulary = resuming
            ? LaviseCheckpoint.ReadMetadata(run.LastCheckpoint).Vocabulary
            : ConceptVocabulary.Create(concepts, embeddings, options.SeenRate, options.Seed);
        using var labelEmbeddings = LaviseData.ColumnVectors(vocabulary, embeddings);
        using var seenIndex = Tensor.FromArray(vocabulary.SeenColumns.Select(c => (long)c).ToArray(), vocabulary.SeenColumns.Count);
        using var seenEmbeddings = labelEmbeddings.IndexSelect(0, seenIndex);

        var evalTransform = meta.Preprocessing(normalise: true);
        var trainTransform = options.Augment ? LaviseData.AugmentingTransform(meta) : evalTransform;
        var recipe = new DataRecipe(spec.Kind, meta.InputSize, meta.ResizeSize, meta.InChannels, meta.Normalization, trainTransform,
            options.Augment ? "random resized crop and horizontal flip, the concept masks following" : "none (features cached)");

        Engine.ManualSeed(options.Seed);
        using var network = new LaviseNetwork(features.Channels, embeddings.Dimension);
        using var optimizer = new Adam(network.Parameters(), lr: options.LearningRate);
        var scheduler = new ReduceLROnPlateau(optimizer);
        var metadata = new LaviseMetadata
        {
            ClassifierArchitecture = classifier.Architecture, ClassifierWeightsHash = hash, ClassifierPath = Path.GetFullPath(options.Classifier),
            Layer = layer, Channels = features.Channels, Height = features.Height, Width = features.Width, InputSize = meta.InputSize,
            Embeddings = embeddings.Source, EmbeddingDimension = embeddings.Dimension, EmbeddingWords = embeddings.Count,
            Data = options.Data, Vocabulary = vocabulary,
        };

        State state;
        if (resuming)
        {
            var json = TrainingCheckpoint.RestoreOptimization(run.LastCheckpoint, network, optimizer, scheduler);
            state = new State(json["epoch"]!.GetValue<int>(), json["best_loss"]!.GetValue<double>(), json["best_epoch"]!.GetValue<int>());
            if (RewriteConfig && Distributed.Writes) run.WriteConfig(options, recipe, LaviseTrainer.ConfigFormat);
            progress.Message($"resuming {run.Path} after epoch {state.Epoch}");
            if (OriginalThreads != 0 && OriginalThreads != Engine.NumThreads)
                progress.Message($"the run was started with {OriginalThreads} threads and continues with {Engine.NumThreads}: the results will not be bit-identical to an uninterrupted run");
        }
        else
        {
            state = new State(0, double.PositiveInfinity, 0);
            Distributed.StartFromRankZero(network);   // every rank starts from rank 0's explainer
            if (Distributed.Writes)
            {
                run.WriteConfig(options, recipe, LaviseTrainer.ConfigFormat);
                LaviseData.WriteConcepts(Path.Combine(run.Path, LaviseTrainer.ConceptsFile), vocabulary);
                SaveLast(network, metadata, optimizer, scheduler, state, null);
            }
        }

        // After the broadcast or the restore: every rank's explainer is equal. --sync-bn: its batch norm, unless frozen in evaluation mode.
        var synchronised = Distributed.SynchroniseBatchNorm(options.SyncBatchNorm, options.FreezeExplainerBatchNorm ? null : network, progress) > 0;
        using var reducer = Distributed.CreateReducer(network.Parameters());
        var metrics = Distributed.Writes ? new MetricsLog(run.Path) : null;
        metrics?.TruncateAfter("epoch", state.Epoch);
        using var tensorBoard = options.TensorBoard && Distributed.Writes ? new TensorBoardWriter(run.TensorBoardDirectory) : null;
        if (resuming) tensorBoard?.AddSessionStart(state.Epoch + 1);

        ConceptPairs? trainCache = null;
        ConceptPairs? testPairs = null;
        var done = new List<EpochMetrics>();
        var context = new StepContext(network, seenEmbeddings, labelEmbeddings, vocabulary, options, Distributed, reducer, synchronised, precision);
        try
        {
            if (state.Epoch < options.Epochs)
            {
                // Each rank evaluates the pairs of its part of the test images (the sums are reduced); the training pairs are
                // built the same way and gathered, since every rank draws from all of them.
                testPairs = BuildPairs("validation", test, evalTransform, features, vocabulary, gather: false, cancellationToken);
                if (!options.Augment) trainCache = BuildPairs("training", train, evalTransform, features, vocabulary, gather: true, cancellationToken);
            }
            var shown = new TrainingOptions
            {
                Data = options.Data, Architecture = classifier.Architecture, Epochs = options.Epochs, BatchSize = options.BatchSize, LearningRate = options.LearningRate,
                Schedule = "plateau", Seed = options.Seed, Workers = options.Workers, TensorBoard = options.TensorBoard, OutputDirectory = run.Path,
                Precision = options.Precision,
            };
            progress.RunStarted(new TrainingRunInfo(run.Path, shown, recipe,
                $"LaViSE explainer of {classifier.Architecture} {layer} ({features.Channels}×{features.Height}×{features.Width}) → {embeddings.Dimension}-d words",
                classifier.Parameters().Sum(p => p.NumEl) + network.Parameters().Sum(p => p.NumEl), network.Parameters().Sum(p => p.NumEl),
                vocabulary.ColumnWords, train.Count, test.Count, trainCache is null ? 0 : BatchStarts(Distributed.Shard?.SamplesPerRank(trainCache.Count) ?? trainCache.Count).Count,
                state.Epoch, Engine.NumThreads)
            {
                Optimization = $"Adam lr {options.LearningRate:G3}, ReduceLROnPlateau on the validation loss; {vocabulary.SeenColumns.Count} of {vocabulary.Columns} label columns seen",
            });
            for (var epoch = state.Epoch + 1; epoch <= options.Epochs; epoch++)
            {
                var clock = Stopwatch.StartNew();
                var lr = optimizer.ParamGroups[0].Lr;
                var trained = trainCache is not null
                    ? TrainCached(context, optimizer, trainCache, epoch, cancellationToken)
                    : TrainAugmented(context, optimizer, train, trainTransform, features, epoch, cancellationToken);
                // Every rank evaluates (and rank 0 saves) rank 0's explainer: each rank's last forward moved its own batch-norm statistics.
                Distributed.BroadcastBuffers(network);
                var evaluation = Evaluate(context, testPairs!, epoch, cancellationToken);
                scheduler.Step(evaluation.Loss);
                var isBest = evaluation.Loss < state.BestLoss;
                var row = new EpochMetrics(epoch, options.Epochs, trained.Loss, trained.Top1, evaluation.Loss, evaluation.Top1, evaluation.Top5, lr,
                    trained.Pairs / trained.Seconds, trained.Seconds, clock.Elapsed.TotalSeconds, isBest);
                var values = new Dictionary<string, object>(row.ToRow())
                {
                    ["train_pairs"] = trained.Pairs, ["train_top5"] = trained.Top5,
                    ["test_pairs"] = evaluation.Pairs, ["test_unseen_top5"] = evaluation.UnseenTop5,
                };
                metrics?.Append(values);
                tensorBoard?.AddScalars(row.Scalars(), epoch);
                var next = isBest ? new State(epoch, evaluation.Loss, epoch) : state with { Epoch = epoch };
                if (Distributed.Writes)
                {
                    if (isBest) LaviseCheckpoint.Save(run.BestCheckpoint, network, WithTraining(metadata, next, row));
                    SaveLast(network, metadata, optimizer, scheduler, next, row);
                }
                Distributed.Checkpointed();   // no rank starts the next epoch before rank 0 has written this one's checkpoint
                state = next;
                done.Add(row);
                progress.EpochCompleted(row);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new TrainingInterruptedException(run.Path, state.Epoch, e, "lavise");
        }
        finally
        {
            trainCache?.Dispose();
            testPairs?.Dispose();
        }
        if (ClassifierCheckpoint.WeightsHash(classifier) != hash)
            throw new InvalidOperationException($"{options.Classifier}: the classifier's weights changed during LaViSE training; this is a bug");
        return new LaviseTrainingResult(run.Path, done, state.Epoch, state.BestLoss, state.BestEpoch, run.LastCheckpoint, run.BestCheckpoint, vocabulary);
    }

    // The pairs of this rank's part of the images (all of them for a single process), gathered from every rank when asked.
    private ConceptPairs BuildPairs(string what, IImageDataset data, ITransform transform, LaviseFeatures features, ConceptVocabulary vocabulary,
        bool gather, CancellationToken cancellationToken)
    {
        var part = Distributed.Part(data, options.BatchSize);   // the single process's batches r, r + W, …: the same pairs, to the bit
        var batches = (part.Count + options.BatchSize - 1) / options.BatchSize;
        progress.EvaluationStarted(0, batches);
        var b = 0;
        var pairs = ConceptPairs.Build(part, transform, features, vocabulary, options.BatchSize, options.Workers,
            new InlineProgress(_ => progress.EvaluationBatchCompleted(0, ++b, batches)), cancellationToken);
        if (gather) pairs = ConceptPairs.Gather(pairs, Distributed);
        // The counts over every rank, so that every rank takes the same decision.
        var (count, images, bytes) = gather ? (pairs.Count, pairs.ImagesRead, pairs.Bytes) : Counts(Distributed.Sum(pairs.Count, pairs.ImagesRead, pairs.Bytes));
        if (count < 2)
        {
            pairs.Dispose();
            throw new DatasetException($"the {what} images of '{options.Data}' gave {count} concept–mask pairs at the feature resolution " +
                                       $"{features.Height}×{features.Width}; LaViSE needs concept masks that cover at least one feature cell", null);
        }
        progress.Message($"{what} pairs: {count:N0} concept masks of {images:N0} images, {bytes / 1e6:F1} MB of features, built in {pairs.Seconds:F1} s");
        return pairs;
    }

    private static (int Count, int Images, long Bytes) Counts(double[] sums) => ((int)sums[0], (int)sums[1], (long)sums[2]);

    // IProgress that runs inline (Progress<T> posts to the thread pool, which would reorder the reports).
    private sealed class InlineProgress(Action<(int Done, int Total)> report) : IProgress<(int Done, int Total)>
    {
        public void Report((int Done, int Total) value) => report(value);
    }

    // SynchronisedBatchNorm: the explainer's batch norm all-reduces in every training forward and backward (--sync-bn).
    private sealed record StepContext(LaviseNetwork Network, Tensor SeenEmbeddings, Tensor LabelEmbeddings, ConceptVocabulary Vocabulary, LaviseTrainingOptions Options,
        DistributedRun Distributed, GradientReducer? Reducer, bool SynchronisedBatchNorm, ResolvedPrecision Precision);

    private sealed record PassTotals(double Loss, double Top1, double Top5, double UnseenTop5, int Pairs, double Seconds);

    // Loss over the pairs with a seen word (weighted by those pairs); word accuracy over every label column (as the
    // original's log): top-1 = the nearest column is one of the concept's words, top-5 = one of the five nearest is.
    private sealed class Totals(ConceptVocabulary vocabulary)
    {
        private readonly bool[] _unseen = [.. vocabulary.Seen.Select(s => !s)];
        public double LossSum;
        public long LossRows, Top1, Top5, Pairs, UnseenPairs, UnseenTop5;

        public void Add(Tensor loss, long lossRows, Tensor predictions, Tensor labelEmbeddings, int[] concepts)
        {
            LossSum += loss.Item<float>() * lossRows;
            LossRows += lossRows;
            using var noGrad = Autograd.NoGrad();
            using var scope = DisposeScope.Enter();
            var cos = CsmrLoss.Cosines(predictions, labelEmbeddings);
            var k = Math.Min(5, cos.Size(1));
            var (_, top) = cos.TopK(k, 1);
            var ranks = top.ToArray<long>();
            for (var i = 0; i < concepts.Length; i++)
            {
                var words = vocabulary.ConceptColumns[concepts[i]];
                if (words.Contains((int)ranks[i * k])) Top1++;
                var hit = Enumerable.Range(0, (int)k).Any(j => words.Contains((int)ranks[i * k + j]));
                if (hit) Top5++;
                if (words.All(w => _unseen[w])) { UnseenPairs++; if (hit) UnseenTop5++; }
            }
            Pairs += concepts.Length;
        }

        // The totals over every rank's pairs (the ranks' sums added).
        public void SumOver(DistributedRun distributed)
        {
            var t = distributed.Sum(LossSum, LossRows, Top1, Top5, Pairs, UnseenPairs, UnseenTop5);
            (LossSum, LossRows, Top1, Top5, Pairs, UnseenPairs, UnseenTop5) = (t[0], (long)t[1], (long)t[2], (long)t[3], (long)t[4], (long)t[5], (long)t[6]);
        }

        public PassTotals Result(double seconds) => new(LossRows == 0 ? double.NaN : LossSum / LossRows, 100.0 * Top1 / Math.Max(1, Pairs),
            100.0 * Top5 / Math.Max(1, Pairs), UnseenPairs == 0 ? double.NaN : 100.0 * UnseenTop5 / UnseenPairs, (int)Pairs, seconds);
    }

    // One optimisation step on a batch of pairs (none: this rank has no usable pair in the step, but takes part in it).
    // With several ranks the step is the single process's on the union of the ranks' batches: the rows the losses count
    // and whether every loss is finite are reduced first, so that every rank takes the same branch, and each rank's mean
    // is weighted by its share of the rows (rows·W / all rows), so that the averaged gradient is that of the mean over all
    // of them (a rank without a row adds nothing, instead of halving the step). Synchronised batch norm all-reduces inside
    // the forward and backward passes, so there a rank without a usable pair forwards and backs an empty batch (the other
    // ranks' all-reduces wait for it), unless no rank has a pair (then no rank forwards: the global batch would be empty).
    private static void Step(StepContext context, Optimizer optimizer, Tensor? pooled, int[] concepts, Totals totals, int epoch, int batch)
    {
        using var scope = DisposeScope.Enter();
        var network = context.Network;
        var distributed = context.Distributed;
        network.Train();
        if (context.Options.FreezeExplainerBatchNorm) network.FreezeBatchNorm();
        optimizer.ZeroGrad();
        distributed.BroadcastBuffers(network);   // DDP's broadcast_buffers: rank 0's batch-norm statistics before every forward
        var anyRankForwards = context.SynchronisedBatchNorm && distributed.AnyRank(pooled is not null);   // on every rank, or none
        Tensor? predictions = null, loss = null;
        long rows = 0;
        // The forward pass and the loss in the run's precision, the loss from float32 predictions; backward and step outside.
        using (context.Precision.Enter())
        {
            if (pooled is not null)
            {
                predictions = network.Forward(pooled).To(ScalarType.Float32);
                (loss, rows) = Loss(context, predictions, concepts);
            }
            else if (anyRankForwards)
            {
                predictions = network.Forward(Tensor.Zeros([0, network.FeatureChannels])).To(ScalarType.Float32);
            }
        }
        var value = loss?.Item<float>() ?? 0f;
        var all = distributed.Sum(rows, float.IsFinite(value) ? 0 : 1);
        // A NaN loss would turn every weight into NaN at the next step (what the original's COCO path does, §8 defect 15):
        // stop before the step, so the last checkpoint stays good.
        if (all[1] > 0)
            throw new ArithmeticException((float.IsFinite(value) ? "the CSMR loss of another rank is not finite" : $"the CSMR loss is not finite ({value})") +
                                          $" at epoch {epoch}, batch {batch}; the explainer's weights were left as they were — try a lower --lr");
        if (all[0] > 0)
        {
            var weighted = distributed.Group is null ? loss!
                : loss is not null ? loss.Mul(rows * distributed.WorldSize / all[0])
                : predictions is not null ? predictions.Sum().Mul(0.0)   // the empty batch's backward: through the synchronised batch norm
                : DistributedRun.NoContribution(network.Parameters());
            DistributedRun.Backward(weighted, context.Reducer);
            optimizer.Step();
        }
        if (loss is not null) totals.Add(loss, rows, predictions!, context.LabelEmbeddings, concepts);
    }

    private static (Tensor Loss, long Rows) Loss(StepContext context, Tensor predictions, int[] concepts)
    {
        var vocabulary = context.Vocabulary;
        using var all = vocabulary.Targets(concepts);
        using var seenIndex = Tensor.FromArray(vocabulary.SeenColumns.Select(c => (long)c).ToArray(), vocabulary.SeenColumns.Count);
        var targets = all.IndexSelect(1, seenIndex);
        using var positive = targets.Sum(1).Gt(0);
        using var count = positive.Sum();
        return (CsmrLoss.Compute(predictions, targets, context.SeenEmbeddings, context.Options.Margin), count.Item<long>());
    }

    private PassTotals TrainCached(StepContext context, Optimizer optimizer, ConceptPairs cache, int epoch, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var totals = new Totals(context.Vocabulary);
        var all = PairOrder(cache.Count, epoch);
        var order = context.Distributed.Shard?.Select(all) ?? all;   // this rank's share of the epoch's pairs (DistributedSampler's rule)
        var batches = BatchStarts(order.Length);
        progress.EpochStarted(epoch, batches.Count);
        var b = 0;
        foreach (var start in batches)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var indices = order.AsSpan(start, Math.Min(options.BatchSize, order.Length - start));
            using var pooled = cache.Features(indices);
            b++;
            Step(context, optimizer, pooled, [.. indices.ToArray().Select(i => cache.Concepts[i])], totals, epoch, b);
            progress.BatchCompleted(new TrainingBatchProgress(epoch, b, batches.Count, (int)totals.Pairs, totals.LossSum / Math.Max(1, totals.LossRows),
                100.0 * totals.Top1 / Math.Max(1, totals.Pairs), totals.Pairs / clock.Elapsed.TotalSeconds));
        }
        totals.SumOver(context.Distributed);
        return totals.Result(clock.Elapsed.TotalSeconds);
    }

    // Batches start every BatchSize pairs; a last batch of a single pair is dropped (train-mode batch norm needs two).
    private List<int> BatchStarts(int count)
    {
        var starts = new List<int>();
        for (var s = 0; s < count; s += options.BatchSize)
            if (Math.Min(options.BatchSize, count - s) >= 2) starts.Add(s);
        return starts;
    }

    // The epoch's pair order: a permutation seeded by (seed, epoch), so a resumed run sees the same order.
    private int[] PairOrder(int count, int epoch)
    {
        using var generator = new Generator(Seeds.Derive(options.Seed, 0x4C41564953UL /* "LAVIS" */, (ulong)epoch));
        using var order = Tensor.RandPerm(count, generator);
        return [.. order.ToArray<long>().Select(i => (int)i)];
    }

    private PassTotals TrainAugmented(StepContext context, Optimizer optimizer, IImageDataset train, ITransform transform, LaviseFeatures features,
        int epoch, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var totals = new Totals(context.Vocabulary);
        var loader = new DataLoader(train, new DataLoaderOptions
        {
            BatchSize = options.BatchSize, Shuffle = true, Seed = Seeds.Derive(options.Seed, (ulong)epoch), Workers = options.Workers, Transform = transform,
            Shard = context.Distributed.Shard,
        });
        progress.EpochStarted(epoch, loader.BatchCount);
        var b = 0;
        foreach (var batch in loader.Epoch(epoch - 1))
        {
            using (batch)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var pairs = ConceptPairs.FromBatch(batch, features, context.Vocabulary);
                b++;
                // Fewer than two pairs cannot pass train-mode batch norm: no step here (every rank still takes part in the step).
                Step(context, optimizer, pairs.Count >= 2 ? pairs.Pooled : null, pairs.Concepts, totals, epoch, b);
            }
            progress.BatchCompleted(new TrainingBatchProgress(epoch, b, loader.BatchCount, (int)totals.Pairs, totals.LossSum / Math.Max(1, totals.LossRows),
                100.0 * totals.Top1 / Math.Max(1, totals.Pairs), totals.Pairs / clock.Elapsed.TotalSeconds));
        }
        totals.SumOver(context.Distributed);
        return totals.Result(clock.Elapsed.TotalSeconds);
    }

    // The loss and word accuracy over the validation pairs: with several ranks each holds and evaluates the pairs of its
    // part of the images, and the sums are added, so that every rank (and its plateau schedule) sees the same loss.
    private PassTotals Evaluate(StepContext context, ConceptPairs pairs, int epoch, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var totals = new Totals(context.Vocabulary);
        context.Network.Eval();
        using var noGrad = Autograd.NoGrad();
        var batches = (pairs.Count + options.BatchSize - 1) / options.BatchSize;
        progress.EvaluationStarted(epoch, batches);
        for (var b = 0; b < batches; b++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = DisposeScope.Enter();
            var start = b * options.BatchSize;
            var indices = Enumerable.Range(start, Math.Min(options.BatchSize, pairs.Count - start)).ToArray();
            var concepts = indices.Select(i => pairs.Concepts[i]).ToArray();
            Tensor predictions, loss;
            long rows;
            using (context.Precision.Enter())
            {
                predictions = context.Network.Forward(pairs.Features(indices)).To(ScalarType.Float32);
                (loss, rows) = Loss(context, predictions, concepts);
            }
            totals.Add(loss, rows, predictions, context.LabelEmbeddings, concepts);
            progress.EvaluationBatchCompleted(epoch, b + 1, batches);
        }
        totals.SumOver(context.Distributed);
        return totals.Result(clock.Elapsed.TotalSeconds);
    }

    private void SaveLast(LaviseNetwork network, LaviseMetadata metadata, Optimizer optimizer, ILrScheduler scheduler, State state, EpochMetrics? row) =>
        TrainingCheckpoint.Save(optimizer, scheduler,
            new JsonObject { ["epoch"] = state.Epoch, ["best_loss"] = double.IsFinite(state.BestLoss) ? state.BestLoss : double.MaxValue, ["best_epoch"] = state.BestEpoch },
            (extra, meta) => LaviseCheckpoint.Save(run.LastCheckpoint, network, WithTraining(metadata, state, row), extra, meta));

    private LaviseMetadata WithTraining(LaviseMetadata metadata, State state, EpochMetrics? row) => metadata with
    {
        Training = new JsonObject
        {
            ["epoch"] = state.Epoch,
            ["test_loss"] = row?.TestLoss,
            ["test_top1"] = row?.TestTop1,
            ["test_top5"] = row?.TestTop5,
            ["best_loss"] = double.IsFinite(state.BestLoss) && state.BestLoss < double.MaxValue ? state.BestLoss : null,
            ["best_epoch"] = state.BestEpoch,
            ["options"] = JsonSerializer.SerializeToNode(options, LaviseTrainer.Json),
        },
    };
}
