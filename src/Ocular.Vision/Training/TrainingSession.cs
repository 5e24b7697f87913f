using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ocular.Torch;
using Ocular.Torch.Distributed;
using Ocular.Torch.Nn;
using Ocular.Torch.Optim;
using Ocular.Torch.Optim.LrSchedulers;
using Ocular.Vision.Data;
using Ocular.Vision.Datasets;
using Ocular.Vision.Models;
using Ocular.Vision.Models.Attention;
using F = Ocular.Torch.Functional;

namespace Ocular.Vision.Training;

/// <summary>One call of <see cref="ClassifierTrainer.Train"/> or <see cref="ClassifierTrainer.Resume"/>: sets the run up, then trains epoch by epoch.</summary>
internal sealed class TrainingSession(TrainingOptions options, RunDirectory run, bool resuming, ITrainingProgress progress)
{
    private TrainingOptions options = options;

    /// <summary>Rewrite config.json (a resumed run whose epochs or workers changed).</summary>
    public bool RewriteConfig { get; init; }

    /// <summary>The thread count recorded by the original run (0 when unknown).</summary>
    public int OriginalThreads { get; init; }

    /// <summary>
    /// The data-parallel run (a single process by default). Each rank trains on its <see cref="DataShard"/> with
    /// <see cref="TrainingOptions.BatchSize"/> images per step (W·B in all, as DistributedDataParallel); the model starts
    /// as rank 0's, gradients are averaged and batch-norm buffers broadcast from rank 0 at every step; rank 0 alone
    /// writes the run directory.
    /// </summary>
    public DistributedRun Distributed { get; init; } = DistributedRun.Single;

    private bool Writes => Distributed.Writes;

    public TrainingResult Run(CancellationToken cancellationToken)
    {
        var precision = TrainingPrecision.Resolve(options.Precision, Distributed, progress);
        options = options with { Precision = precision.Effective };   // config.json records what runs: fp32 or bf16
        var spec = DataSpec.Parse(options.Data);
        if (spec.Kind is "coco" or "vg")
            throw new DatasetException($"'{spec}' is a concept data set without class labels (the reference data of LaViSE); a classifier needs labelled images", null);
        var fullTrain = options.TrainImages is { } first ? new FirstImages(spec.Open(DataSplit.Train), first) : spec.Open(DataSplit.Train);
        var test = spec.Open(DataSplit.Test);
        // Model selection on a validation split carved from the training split (lfi-cam.md §7.13), unless asked for the original's.
        var (train, validation) = options.SelectOnTest ? (fullTrain, null) : ValidationSplit.Carve(fullTrain, options.ValidationFraction);
        if (train.ClassNames.Count != test.ClassNames.Count)
            throw new DatasetException($"'{spec}': the training split has {train.ClassNames.Count} classes but the test split has {test.ClassNames.Count}", null);
        var recipe = DataRecipe.For(spec.Kind, train, options.InputSize, options.Augment);
        // Without --arch the architecture is the weights checkpoint's; it is recorded in config.json.
        var architecture = options.Architecture ?? ClassifierCheckpoint.ReadMetadata(options.Weights!).Architecture;
        options = options with { Architecture = architecture };
        var classes = train.ClassNames;

        Engine.ManualSeed(options.Seed);
        using var model = ModelZoo.Create(architecture, classes.Count, recipe.InChannels);
        if (options.Weights is not null && !resuming)
            progress.Message(PyTorchWeights.LoadBackbone(model, options.Weights).ToString());
        if (options.FreezeBackbone)
            foreach (var (path, parameter) in model.NamedParameters())
                if (!path.StartsWith(model.HeadPath + ".", StringComparison.Ordinal) && !(model is AttentionClassifier a && a.IsBranchKey(path)))
                    parameter.RequiresGrad_(false);
        precision.PrepareForTraining(model);   // bf16: channels-last weights (values unchanged; checkpoints are written row-major)
        var trainable = model.Parameters().Where(p => p.RequiresGrad).ToList();

        var loader = new DataLoader(train, new DataLoaderOptions
        {
            BatchSize = options.BatchSize, Shuffle = true, Seed = options.Seed, Workers = options.Workers, Transform = recipe.TrainTransform,
            Shard = Distributed.Shard,
        });
        var schedule = LrSchedule.Parse(options.Schedule);
        using var optimizer = CreateOptimizer(trainable);
        var scheduler = schedule.Create(optimizer, options.Epochs, loader.BatchCount);
        var metadata = recipe.Metadata(architecture, classes);

        TrainingState state;
        if (resuming)
        {
            state = TrainingCheckpoint.Restore(run.LastCheckpoint, model, optimizer, scheduler);
            if (RewriteConfig && Writes) run.WriteConfig(options, recipe);
            progress.Message($"resuming {run.Path} after epoch {state.Epoch}");
            if (OriginalThreads != 0 && OriginalThreads != Engine.NumThreads)
                progress.Message($"the run was started with {OriginalThreads} threads and continues with {Engine.NumThreads}: the results will not be bit-identical to an uninterrupted run");
        }
        else
        {
            state = new TrainingState(0, -1, 0, -1);
            Distributed.StartFromRankZero(model);
            if (Writes)
            {
                run.WriteConfig(options, recipe);
                TrainingCheckpoint.Save(run.LastCheckpoint, model, WithTraining(metadata, state, null), optimizer, scheduler, state);
            }
        }

        // --sync-bn: the whole classifier trains in training mode (a frozen backbone's batch norm too, as in PyTorch).
        Distributed.SynchroniseBatchNorm(options.SyncBatchNorm, model, progress);
        // After the broadcast or the restore: every rank's parameters are equal and final.
        using var reducer = Distributed.CreateReducer(trainable);
        var metrics = Writes ? new MetricsLog(run.Path) : null;
        metrics?.TruncateAfter("epoch", state.Epoch);
        using var tensorBoard = options.TensorBoard && Writes ? new TensorBoardWriter(run.TensorBoardDirectory) : null;
        // TensorBoard drops the events of a crashed run's later steps when it sees a session start (purge on restart).
        if (resuming) tensorBoard?.AddSessionStart(state.Epoch + 1);

        progress.RunStarted(new TrainingRunInfo(run.Path, options, recipe, architecture, model.Parameters().Sum(p => p.NumEl),
            trainable.Sum(p => p.NumEl), classes, train.Count, test.Count, loader.BatchCount, state.Epoch, Engine.NumThreads)
        {
            ValidationImages = validation?.Count ?? 0,
        });

        var done = new List<EpochMetrics>();
        var testTransform = metadata.Preprocessing();
        try
        {
            for (var epoch = state.Epoch + 1; epoch <= options.Epochs; epoch++)
            {
                var clock = Stopwatch.StartNew();
                var lr = optimizer.ParamGroups[0].Lr;
                var (loss, accuracy, images, trainSeconds) = TrainEpoch(model, reducer, optimizer, scheduler, schedule, loader, precision, epoch, cancellationToken);
                if (!schedule.StepsPerBatch) scheduler.Step();
                // Every rank evaluates (and rank 0 saves) rank 0's model: each rank's last forward moved its own batch-norm statistics.
                Distributed.BroadcastBuffers(model);
                // This rank's share of an evaluation set (the single process's batches r, r + W, …), in batches.
                int Batches(IImageDataset d) => (Distributed.Part(d, options.BatchSize).Count + options.BatchSize - 1) / options.BatchSize;
                var validationBatches = validation is null ? 0 : Batches(validation);
                var evaluationBatches = validationBatches + Batches(test);
                progress.EvaluationStarted(epoch, evaluationBatches);
                // Each rank evaluates its share; the sums are all-reduced (the same results on every rank).
                var validated = validation is null ? null : ClassifierEvaluation.Evaluate(model, validation, testTransform, options.BatchSize, options.Workers,
                    (b, _) => progress.EvaluationBatchCompleted(epoch, b, evaluationBatches), cancellationToken, Distributed.Group, precision);
                var evaluation = ClassifierEvaluation.Evaluate(model, test, testTransform, options.BatchSize, options.Workers,
                    (b, _) => progress.EvaluationBatchCompleted(epoch, validationBatches + b, evaluationBatches), cancellationToken, Distributed.Group, precision);
                var selectionTop1 = (validated ?? evaluation).Top1;
                var isBest = selectionTop1 > state.BestTop1;
                var row = new EpochMetrics(epoch, options.Epochs, loss, accuracy, evaluation.Loss, evaluation.Top1, evaluation.Top5, lr,
                    images / trainSeconds, trainSeconds, clock.Elapsed.TotalSeconds, isBest)
                {
                    ValidationLoss = validated?.Loss ?? double.NaN,
                    ValidationTop1 = validated?.Top1 ?? double.NaN,
                };

                // Order matters for resuming: metrics, then best, then last (a resumed run redoes the epochs after last's).
                metrics?.Append(row.ToRow());
                tensorBoard?.AddScalars(row.Scalars(), epoch);
                var next = isBest ? new TrainingState(epoch, selectionTop1, epoch, evaluation.Top1) : state with { Epoch = epoch };
                if (Writes)
                {
                    if (isBest) ClassifierCheckpoint.Save(run.BestCheckpoint, model, WithTraining(metadata, next, row));
                    TrainingCheckpoint.Save(run.LastCheckpoint, model, WithTraining(metadata, next, row), optimizer, scheduler, next);
                }
                Distributed.Checkpointed();   // no rank starts the next epoch before rank 0 has written this one's checkpoint
                state = next;
                done.Add(row);
                progress.EpochCompleted(row);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new TrainingInterruptedException(run.Path, state.Epoch, e);
        }
        return new TrainingResult(run.Path, done, state.Epoch, state.BestTop1, state.BestEpoch, run.LastCheckpoint, run.BestCheckpoint)
        {
            BestTestTop1 = state.BestTestTop1,
            SelectedOn = options.SelectOnTest ? "test" : "validation",
        };
    }

    private (double Loss, double Accuracy, int Images, double Seconds) TrainEpoch(Classifier model, GradientReducer? reducer, Optimizer optimizer,
        LrScheduler scheduler, LrSchedule schedule, DataLoader loader, ResolvedPrecision precision, int epoch, CancellationToken cancellationToken)
    {
        model.Train();
        progress.EpochStarted(epoch, loader.BatchCount);
        var clock = Stopwatch.StartNew();
        double lossSum = 0;
        long correct = 0;
        var (images, b) = (0, 0);
        foreach (var batch in loader.Epoch(epoch - 1))
        {
            using (batch)
            using (DisposeScope.Enter())
            {
                cancellationToken.ThrowIfCancellationRequested();
                optimizer.ZeroGrad();
                // DistributedDataParallel's broadcast_buffers: rank 0's batch-norm statistics before every forward.
                Distributed.BroadcastBuffers(model);
                Tensor logits, loss;
                // The forward pass and the loss in the run's precision, the loss from float32 logits; backward and step outside (TrainingPrecision).
                using (precision.Enter())
                {
                    if (model is AttentionClassifier attention)
                    {
                        // LFI-CAM: CE of the logits; ABN: CE of the branch's and the perception branch's logits (lfi-cam.md §3, §4).
                        var output = attention.ForwardWithAttention(precision.TrainingInput(batch.Images));
                        output = output with { Logits = output.Logits.To(ScalarType.Float32), BranchLogits = output.BranchLogits?.To(ScalarType.Float32) };
                        (logits, loss) = (output.Logits, attention.Loss(output, batch.Labels, options.LabelSmoothing));
                    }
                    else
                    {
                        logits = model.Call(precision.TrainingInput(batch.Images)).To(ScalarType.Float32);
                        loss = F.CrossEntropy(logits, batch.Labels, labelSmoothing: options.LabelSmoothing);
                    }
                }
                DistributedRun.Backward(loss, reducer);   // gradients averaged over the ranks
                optimizer.Step();
                if (schedule.StepsPerBatch) scheduler.Step();
                lossSum += (double)loss.Item<float>() * batch.Count;
                using (Autograd.NoGrad())
                    correct += logits.Max(1).Indices.Eq(batch.Labels).Sum().Item<long>();
                images += batch.Count;
            }
            b++;
            progress.BatchCompleted(new TrainingBatchProgress(epoch, b, loader.BatchCount, images, lossSum / images, 100.0 * correct / images,
                images / clock.Elapsed.TotalSeconds));
        }
        // The epoch's training loss and accuracy over every rank's images.
        var t = Distributed.Sum(lossSum, correct, images);
        (lossSum, correct, images) = (t[0], (long)t[1], (int)t[2]);
        if (images == 0) throw new DatasetException($"epoch {epoch} had no training image (every file skipped?)", null);
        return (lossSum / images, 100.0 * correct / images, images, clock.Elapsed.TotalSeconds);
    }

    private Optimizer CreateOptimizer(IReadOnlyList<Tensor> parameters)
    {
        var lr = options.EffectiveLearningRate;
        var wd = options.EffectiveWeightDecay;
        return options.Optimizer.ToLowerInvariant() switch
        {
            "sgd" => new Sgd(parameters, lr, momentum: options.Momentum, weightDecay: wd, nesterov: options.Nesterov),
            "adam" => new Adam(parameters, lr, weightDecay: wd),
            "adamw" => new AdamW(parameters, lr, weightDecay: wd),
            _ => throw new ArgumentException($"unknown optimizer '{options.Optimizer}'; accepted: {string.Join(", ", TrainingOptions.Optimizers)}"),
        };
    }

    // The checkpoint's free-form training record: the options, the epoch and its test results.
    private ClassifierMetadata WithTraining(ClassifierMetadata metadata, TrainingState state, EpochMetrics? row) => metadata with
    {
        Training = new JsonObject
        {
            ["epoch"] = state.Epoch,
            ["test_top1"] = row?.TestTop1,
            ["test_top5"] = row?.TestTop5,
            ["best_top1"] = state.BestTop1 < 0 ? null : state.BestTop1,
            ["best_epoch"] = state.BestEpoch,
            ["best_test_top1"] = state.BestTestTop1 < 0 ? null : state.BestTestTop1,
            ["selected_on"] = options.SelectOnTest ? "test" : "validation",
            ["options"] = JsonSerializer.SerializeToNode(options, RunDirectory.Json),
        },
    };
}
