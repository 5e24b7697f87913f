using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ocular.Torch;
using Ocular.Torch.Optim;
using Ocular.Torch.Optim.LrSchedulers;
using Ocular.Vision.Data;
using Ocular.Vision.Datasets;
using Ocular.Vision.Models;
using Ocular.Vision.Training;
using Ocular.Vision.Transforms;

namespace Ocular.Explain.Learned.LCam;

/// <summary>One call of <see cref="LCamTrainer.Train"/> or <see cref="LCamTrainer.Resume"/>: sets the run up, then trains epoch by epoch.</summary>
internal sealed class LCamSession(LCamTrainingOptions options, RunDirectory run, bool resuming, ITrainingProgress progress)
{
    private LCamTrainingOptions options = options;

    /// <summary>Rewrite config.json (a resumed run whose epochs or workers changed).</summary>
    public bool RewriteConfig { get; init; }

    /// <summary>The thread count recorded by the original run (0 when unknown).</summary>
    public int OriginalThreads { get; init; }

    /// <summary>The data-parallel run (a single process by default): shards, reductions, and which rank writes.</summary>
    public DistributedRun Distributed { get; init; } = DistributedRun.Single;

    private sealed record State(int Epoch, double BestLoss, int BestEpoch);

    public LCamTrainingResult Run(CancellationToken cancellationToken)
    {
        var precision = TrainingPrecision.Resolve(options.Precision, Distributed, progress);
        options = options with { Precision = precision.Effective };   // config.json records what runs: fp32 or bf16
        var spec = DataSpec.Parse(options.Data);
        using var loaded = ClassifierCheckpoint.Load(options.Classifier);
        var (classifier, meta) = (loaded.Model, loaded.Metadata);
        var hash = ClassifierCheckpoint.WeightsHash(classifier);
        var fullTrain = spec.Open(DataSplit.Train);
        IImageDataset train = options.TrainImages is { } nTrain ? new FirstImages(fullTrain, nTrain) : fullTrain;
        var fullTest = spec.Open(DataSplit.Test);
        IImageDataset test = options.TestImages is { } nTest ? new FirstImages(fullTest, nTest) : fullTest;
        if (train.ClassNames.Count != classifier.NumClasses)
            throw new DatasetException($"'{spec}' has {train.ClassNames.Count} classes but the classifier {options.Classifier} has {classifier.NumClasses}: L-CAM learns one map per class of the classifier", null);

        // The reference's effective values, made explicit in config.json (§9 defect 4), so that a resumed run keeps them.
        options = options with
        {
            LearningRate = options.LearningRate ?? LCamOptimization.DefaultLearningRate(classifier),
            Schedule = options.Schedule ?? LCamOptimization.DefaultSchedule(classifier),
        };
        var variant = options.VariantKind;
        var rawTransform = meta.Preprocessing(normalise: false);   // raw [0, 1] images; normalisation is inside the network (§1)
        var recipe = new DataRecipe(spec.Kind, meta.InputSize, meta.ResizeSize, meta.InChannels, meta.Normalization, rawTransform,
            options.Views == 2 ? "fixed views: the image and its horizontal flip" : "none");
        var views = new LCamViews(options.Views, options.Seed);

        Engine.ManualSeed(options.Seed);
        using var network = LCamNetwork.Create(classifier, meta.Normalization, variant, options.Layers, meta.InputSize);
        options = options with { Layers = network.Layers };
        var attention = network.Attention;
        var loader = new DataLoader(train, new DataLoaderOptions
        {
            BatchSize = options.BatchSize, Shuffle = true, Seed = options.Seed, Workers = options.Workers, Transform = rawTransform, Shard = Distributed.Shard,
        });
        var schedule = LrSchedule.Parse(options.Schedule!);
        using var optimizer = LCamOptimization.CreateOptimizer(attention, options.LearningRate!.Value, options.BiasLrFactor, options.Momentum, options.Nesterov, options.WeightDecay);
        var scheduler = schedule.Create(optimizer, options.Epochs, loader.BatchCount);
        var metadata = new LCamMetadata
        {
            Variant = variant.Name(), Layers = network.Layers, LayerChannels = attention.InChannels, NumClasses = classifier.NumClasses,
            ClassifierArchitecture = classifier.Architecture, ClassifierWeightsHash = hash, ClassifierPath = Path.GetFullPath(options.Classifier),
        };

        State state;
        if (resuming)
        {
            var json = TrainingCheckpoint.RestoreOptimization(run.LastCheckpoint, attention, optimizer, scheduler);
            state = new State(json["epoch"]!.GetValue<int>(), json["best_loss"]!.GetValue<double>(), json["best_epoch"]!.GetValue<int>());
            if (RewriteConfig && Distributed.Writes) run.WriteConfig(options, recipe, LCamTrainer.ConfigFormat);
            progress.Message($"resuming {run.Path} after epoch {state.Epoch}");
            if (OriginalThreads != 0 && OriginalThreads != Engine.NumThreads)
                progress.Message($"the run was started with {OriginalThreads} threads and continues with {Engine.NumThreads}: the results will not be bit-identical to an uninterrupted run");
        }
        else
        {
            state = new State(0, double.PositiveInfinity, 0);
            Distributed.StartFromRankZero(attention);   // every rank starts from rank 0's attention
            if (Distributed.Writes)
            {
                run.WriteConfig(options, recipe, LCamTrainer.ConfigFormat);
                SaveLast(attention, metadata, optimizer, scheduler, state, null);
            }
        }

        // After the broadcast or the restore: every rank's attention is equal. Only the attention learns (§4.2): the
        // classifier stays in evaluation mode, so --sync-bn synchronises the attention's batch norm (TAME's; Fm and Img have none).
        Distributed.SynchroniseBatchNorm(options.SyncBatchNorm, attention, progress);
        using var reducer = Distributed.CreateReducer(attention.Parameters());
        var metrics = Distributed.Writes ? new MetricsLog(run.Path) : null;
        metrics?.TruncateAfter("epoch", state.Epoch);
        using var tensorBoard = options.TensorBoard && Distributed.Writes ? new TensorBoardWriter(run.TensorBoardDirectory) : null;
        if (resuming) tensorBoard?.AddSessionStart(state.Epoch + 1);

        var shown = new TrainingOptions
        {
            Data = options.Data, Architecture = classifier.Architecture, Epochs = options.Epochs, BatchSize = options.BatchSize, LearningRate = options.LearningRate,
            Momentum = options.Momentum, Nesterov = options.Nesterov, WeightDecay = options.WeightDecay, Schedule = options.Schedule!, Seed = options.Seed,
            Workers = options.Workers, TensorBoard = options.TensorBoard, OutputDirectory = run.Path, Precision = options.Precision,
        };
        progress.RunStarted(new TrainingRunInfo(run.Path, shown, recipe, $"L-CAM-{variant} on {classifier.Architecture} at {string.Join(", ", network.Layers)}",
            classifier.Parameters().Sum(p => p.NumEl) + attention.Parameters().Sum(p => p.NumEl), attention.Parameters().Sum(p => p.NumEl),
            train.ClassNames, train.Count, test.Count, loader.BatchCount, state.Epoch, Engine.NumThreads));

        FeatureCache? cache = null;
        double cacheSeconds = 0;
        var done = new List<EpochMetrics>();
        try
        {
            if (options.UsesCache && state.Epoch < options.Epochs)
            {
                var dtype = options.CacheType.Equals("float32", StringComparison.OrdinalIgnoreCase) ? ScalarType.Float32 : ScalarType.Float16;
                cache = FeatureCache.Build(network, train, rawTransform, options.Views, options.TargetSource, dtype, options.BatchSize, options.Workers, cancellationToken, Distributed, precision);
                cacheSeconds = cache.Seconds;
                progress.Message($"feature cache: {cache.Images} images × {cache.Views} views, {cache.Bytes / 1e6:F1} MB ({options.CacheType}), built in {cache.Seconds:F1} s");
            }
            for (var epoch = state.Epoch + 1; epoch <= options.Epochs; epoch++)
            {
                var clock = Stopwatch.StartNew();
                var lr = optimizer.ParamGroups[0].Lr;
                var trained = TrainEpoch(network, reducer, optimizer, scheduler, schedule, loader, cache, views, precision, epoch, cancellationToken);
                if (!schedule.StepsPerBatch) scheduler.Step();
                // Every rank evaluates (and rank 0 saves) rank 0's attention: TAME's batch norm moved each rank's statistics.
                Distributed.BroadcastBuffers(attention);
                var evaluation = Evaluate(network, test, rawTransform, precision, epoch, cancellationToken);
                var isBest = evaluation.Loss < state.BestLoss;
                var row = new EpochMetrics(epoch, options.Epochs, trained.Loss, trained.Accuracy, evaluation.Loss, evaluation.Top1, evaluation.Top5, lr,
                    trained.Images / trained.Seconds, trained.Seconds, clock.Elapsed.TotalSeconds, isBest);

                // Order matters for resuming: metrics, then best, then last (a resumed run redoes the epochs after last's).
                var values = new Dictionary<string, object>(row.ToRow())
                {
                    ["train_ce"] = trained.Ce, ["train_area"] = trained.Area, ["train_tv"] = trained.Tv,
                    ["test_ce"] = evaluation.Ce, ["test_area"] = evaluation.Area, ["test_tv"] = evaluation.Tv,
                };
                metrics?.Append(values);
                tensorBoard?.AddScalars(row.Scalars(), epoch);
                var next = isBest ? new State(epoch, evaluation.Loss, epoch) : state with { Epoch = epoch };
                if (Distributed.Writes)
                {
                    if (isBest) LCamCheckpoint.Save(run.BestCheckpoint, attention, WithTraining(metadata, next, row));
                    SaveLast(attention, metadata, optimizer, scheduler, next, row);
                }
                Distributed.Checkpointed();   // no rank starts the next epoch before rank 0 has written this one's checkpoint
                state = next;
                done.Add(row);
                progress.EpochCompleted(row);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new TrainingInterruptedException(run.Path, state.Epoch, e, "l-cam");
        }
        finally
        {
            cache?.Dispose();
        }
        // Only the attention mechanism learns (§4.2): the classifier must come out bit-identical.
        if (ClassifierCheckpoint.WeightsHash(classifier) != hash)
            throw new InvalidOperationException($"{options.Classifier}: the classifier's weights changed during L-CAM training; this is a bug");
        return new LCamTrainingResult(run.Path, done, state.Epoch, state.BestLoss, state.BestEpoch, run.LastCheckpoint, run.BestCheckpoint, cacheSeconds);
    }

    private sealed record EpochTotals(double Loss, double Ce, double Area, double Tv, double Accuracy, double Top1, double Top5, int Images, double Seconds);

    // Sums of per-batch means weighted by batch size (as the classifier trainer reports its loss).
    private sealed class Totals
    {
        public double Loss, Ce, Area, Tv;
        public long Correct, Top5;
        public int Images;

        public void Add(LCamLossTerms loss, Tensor logits, Tensor targets)
        {
            var n = (int)targets.Size(0);
            Loss += loss.Total.Item<float>() * n;
            Ce += loss.CrossEntropy.Item<float>() * n;
            Area += loss.Area.Item<float>() * n;
            Tv += loss.TotalVariation.Item<float>() * n;
            using var noGrad = Autograd.NoGrad();
            using var scope = DisposeScope.Enter();
            Correct += logits.Argmax(1).Eq(targets).Sum().Item<long>();
            var k = Math.Min(5, logits.Size(1));
            var (_, top) = logits.TopK(k, 1);
            Top5 += top.Eq(targets.Unsqueeze(1)).Any(1).Sum().Item<long>();
            Images += n;
        }

        // The totals over every rank's images (the ranks' sums added).
        public void SumOver(DistributedRun distributed)
        {
            var t = distributed.Sum(Loss, Ce, Area, Tv, Correct, Top5, Images);
            (Loss, Ce, Area, Tv, Correct, Top5, Images) = (t[0], t[1], t[2], t[3], (long)t[4], (long)t[5], (int)t[6]);
        }

        public EpochTotals Result(double seconds) => Images == 0
            ? throw new DatasetException("an L-CAM epoch had no image (every file skipped?)", null)
            : new(Loss / Images, Ce / Images, Area / Images, Tv / Images, 100.0 * Correct / Images, 100.0 * Correct / Images, 100.0 * Top5 / Images, Images, seconds);
    }

    private EpochTotals TrainEpoch(LCamNetwork network, Torch.Distributed.GradientReducer? reducer, Optimizer optimizer, LrScheduler scheduler, LrSchedule schedule, DataLoader loader, FeatureCache? cache,
        LCamViews views, ResolvedPrecision precision, int epoch, CancellationToken cancellationToken)
    {
        network.Attention.Train();
        progress.EpochStarted(epoch, loader.BatchCount);
        var clock = Stopwatch.StartNew();
        var totals = new Totals();
        var b = 0;
        void Step(IReadOnlyList<Tensor> features, Tensor targets, Tensor? raw)
        {
            cancellationToken.ThrowIfCancellationRequested();
            optimizer.ZeroGrad();
            Distributed.BroadcastBuffers(network.Attention);   // DDP's broadcast_buffers (TAME's batch norm)
            // The forward pass and the loss in the run's precision (the loss from float32 maps and logits); backward and step outside.
            LCamLossTerms loss;
            Tensor logits;
            using (precision.Enter()) (loss, logits) = network.Loss(features, targets, raw, options.LossWeights, options.MaskLossSelection);
            using (loss)
            {
                DistributedRun.Backward(loss.Total, reducer);   // gradients averaged over the ranks
                optimizer.Step();
                if (schedule.StepsPerBatch) scheduler.Step();
                totals.Add(loss, logits, targets);
            }
            b++;
            progress.BatchCompleted(new TrainingBatchProgress(epoch, b, loader.BatchCount, totals.Images, totals.Loss / totals.Images,
                100.0 * totals.Correct / totals.Images, totals.Images / clock.Elapsed.TotalSeconds));
        }

        if (cache is not null)
        {
            // The same order and views as the uncached loop below, read from the cache: only the AM and the head run.
            var order = loader.Order(epoch - 1);
            for (var start = 0; start < order.Length; start += options.BatchSize)
            {
                using var scope = DisposeScope.Enter();
                var indices = order.AsSpan(start, Math.Min(options.BatchSize, order.Length - start)).ToArray();
                var (features, targets) = cache.Get(indices, [.. indices.Select(i => views.Of(epoch, i))]);
                Step([features], targets, null);
            }
        }
        else
        {
            foreach (var batch in loader.Epoch(epoch - 1))
            {
                using (batch)
                using (DisposeScope.Enter())
                {
                    var raw = LCamViews.Apply(batch.Images, [.. batch.Indices.Select(i => views.Of(epoch, i))]);
                    Tensor[] features;
                    Tensor logits;
                    using (precision.Enter()) (features, logits) = network.Features(network.Normalization.Apply(raw));
                    var targets = options.TargetSource == LCamTargetSource.Predictions ? logits.Argmax(1) : batch.Labels;
                    Step(features, targets, raw);
                }
            }
        }
        totals.SumOver(Distributed);
        return totals.Result(clock.Elapsed.TotalSeconds);
    }

    // The loss and masked accuracy on the test split (view 0), the attention mechanism in evaluation mode. With several ranks
    // each evaluates its part of the split and the sums are added, so that every rank has the same numbers.
    private EpochTotals Evaluate(LCamNetwork network, IImageDataset test, ITransform rawTransform, ResolvedPrecision precision, int epoch, CancellationToken cancellationToken)
    {
        network.Attention.Eval();
        var loader = new DataLoader(Distributed.Part(test, options.BatchSize), new DataLoaderOptions { BatchSize = options.BatchSize, Workers = options.Workers, Transform = rawTransform });
        progress.EvaluationStarted(epoch, loader.BatchCount);
        var clock = Stopwatch.StartNew();
        var totals = new Totals();
        var b = 0;
        using var noGrad = Autograd.NoGrad();
        foreach (var batch in loader.Epoch(0))
        {
            using (batch)
            using (DisposeScope.Enter())
            using (precision.Enter())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (features, logits) = network.Features(network.Normalization.Apply(batch.Images));
                var targets = options.TargetSource == LCamTargetSource.Predictions ? logits.Argmax(1) : batch.Labels;
                var (loss, masked) = network.Loss(features, targets, batch.Images, options.LossWeights, options.MaskLossSelection);
                using (loss) totals.Add(loss, masked, targets);
            }
            progress.EvaluationBatchCompleted(epoch, ++b, loader.BatchCount);
        }
        totals.SumOver(Distributed);
        return totals.Result(clock.Elapsed.TotalSeconds);
    }

    private void SaveLast(LCamAttention attention, LCamMetadata metadata, Optimizer optimizer, ILrScheduler scheduler, State state, EpochMetrics? row) =>
        TrainingCheckpoint.Save(optimizer, scheduler,
            new JsonObject { ["epoch"] = state.Epoch, ["best_loss"] = double.IsFinite(state.BestLoss) ? state.BestLoss : double.MaxValue, ["best_epoch"] = state.BestEpoch },
            (extra, meta) => LCamCheckpoint.Save(run.LastCheckpoint, attention, WithTraining(metadata, state, row), extra, meta));

    // The checkpoint's free-form training record: the options, the epoch and its test results.
    private LCamMetadata WithTraining(LCamMetadata metadata, State state, EpochMetrics? row) => metadata with
    {
        Training = new JsonObject
        {
            ["epoch"] = state.Epoch,
            ["test_loss"] = row?.TestLoss,
            ["test_masked_top1"] = row?.TestTop1,
            ["best_loss"] = double.IsFinite(state.BestLoss) && state.BestLoss < double.MaxValue ? state.BestLoss : null,
            ["best_epoch"] = state.BestEpoch,
            ["options"] = JsonSerializer.SerializeToNode(options, LCamTrainer.Json),
        },
    };
}
