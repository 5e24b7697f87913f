using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ocular.Torch;
using Ocular.Torch.Distributed;
using Ocular.Torch.Nn;
using Ocular.Torch.Optim;
using Ocular.Torch.Optim.LrSchedulers;
using Ocular.Torch.Serialization;
using Ocular.Vision;
using Ocular.Vision.Data;
using Ocular.Vision.Datasets;
using Ocular.Vision.Models;
using Ocular.Vision.Models.Prototypes;
using Ocular.Vision.Training;
using Ocular.Vision.Transforms;

namespace Ocular.Explain.Learned.Lvw;

/// <summary>One call of <see cref="LvwTrainer.Train"/> or <see cref="LvwTrainer.Resume"/>: sets the run up, then runs the schedule step by step.</summary>
internal sealed class LvwSession(LvwTrainingOptions options, RunDirectory run, bool resuming, ITrainingProgress progress)
{
    private const ulong FlipKey = 0x666C6970UL;        // "flip"
    private const ulong ImageFlipKey = 0x69666C6970UL; // "iflip"

    private LvwTrainingOptions options = options;

    /// <summary>Rewrite config.json (a resumed run whose epochs or workers changed).</summary>
    public bool RewriteConfig { get; init; }

    /// <summary>The thread count recorded by the original run (0 when unknown).</summary>
    public int OriginalThreads { get; init; }

    /// <summary>The data-parallel run (a single process by default): shards, reductions, and which rank writes.</summary>
    public DistributedRun Distributed { get; init; } = DistributedRun.Single;

    private sealed record State(int Done, double BestTop1, int BestStep, double BestTestTop1);

    private sealed class Data
    {
        public required IImageDataset Train { get; init; }
        public required IImageDataset? Validation { get; init; }
        public required IImageDataset Test { get; init; }
        public required ITransform Raw { get; init; }
        public required ITransform Normalised { get; init; }
        public required ImageNormalization Normalization { get; init; }
    }

    public LvwTrainingResult Run(CancellationToken cancellationToken)
    {
        var precision = TrainingPrecision.Resolve(options.Precision, Distributed, progress);
        options = options with { Precision = precision.Effective };   // config.json records what runs: fp32 or bf16
        var mode = options.ModeKind;
        var spec = DataSpec.Parse(options.Data);
        var fullTrain = options.TrainImages is { } nTrain ? new FirstImages(spec.Open(DataSplit.Train), nTrain) : spec.Open(DataSplit.Train);
        using var baseLoaded = LoadBase(fullTrain.ClassNames);
        var (baseModel, baseMeta) = (baseLoaded.Model, baseLoaded.Metadata);
        var fullTest = spec.Open(DataSplit.Test);
        IImageDataset test = options.TestImages is { } nTest ? new FirstImages(fullTest, nTest) : fullTest;
        CheckClasses(spec, fullTrain, test, baseModel, baseMeta);
        var (train, validation) = options.SelectOnTest ? (fullTrain, null) : ValidationSplit.Carve(fullTrain, options.ValidationFraction);
        var data = new Data
        {
            Train = train, Validation = validation, Test = test,
            Raw = baseMeta.Preprocessing(normalise: false), Normalised = baseMeta.Preprocessing(), Normalization = baseMeta.Normalization,
        };

        // The run's architecture: the base classifier's backbone unless told otherwise (§2: ResNet-34 for Pets, as the base).
        var backbone = options.Backbone ?? baseModel.Architecture;
        var architecture = PrototypeArchitectures.Name(backbone, mode, options.WordsPerClass, options.Dimension);
        var backboneWeights = options.BackboneWeights ?? (backbone == baseModel.Architecture ? "base"
            : throw new ArgumentException($"the backbone {backbone} differs from the base classifier's {baseModel.Architecture}: give --backbone-weights FILE (e.g. torchvision's ImageNet {backbone}.pth, as the original) or none"));
        options = options with
        {
            Backbone = backbone, BackboneWeights = backboneWeights, TargetLayer = options.TargetLayer ?? baseModel.DefaultLayer,
            SeparationWeight = options.LossWeights.Separation, AlignWeight = options.LossWeights.Align,
        };
        var weights = options.LossWeights;
        var recipe = new DataRecipe(spec.Kind, baseMeta.InputSize, baseMeta.ResizeSize, baseMeta.InChannels, baseMeta.Normalization, data.Raw,
            mode == PrototypeMode.Lvw ? $"horizontal flip{(options.IndependentFlip ? " (image and target map flipped independently, as the original)" : ", shared with the target map")}" : "horizontal flip");

        Engine.ManualSeed(options.Seed);
        using var model = (PrototypeNetwork)ModelZoo.Create(architecture, baseModel.NumClasses, baseMeta.InChannels);
        if (!resuming && backboneWeights != "none")
        {
            var path = backboneWeights == "base" ? options.BaseClassifier : backboneWeights;
            progress.Message("backbone: " + PyTorchWeights.LoadBackbone(model, path));
        }
        precision.PrepareForTraining(model);   // bf16: channels-last weights (values unchanged; checkpoints are written row-major)
        var steps = LvwSchedule.Steps(options);
        var groups = ParameterGroups(model);
        using var warm = new Adam([new ParamGroup(groups.AddOn, options.AddOnLr, options.WeightDecay), new ParamGroup([groups.Words], options.WordsLr, 0)]);
        using var joint = new Adam([new ParamGroup(groups.Trunk, options.BackboneLr, options.WeightDecay),
            new ParamGroup(groups.AddOn, options.AddOnLr, options.WeightDecay), new ParamGroup([groups.Words], options.WordsLr, 0)]);
        using var last = new Adam([new ParamGroup([model.LastLayer.Weight], options.LastLayerLr, 0)]);
        var jointSchedule = new StepLR(joint, options.JointLrStepSize, options.JointLrGamma);
        var metadata = baseMeta with { Architecture = architecture, NumClasses = model.NumClasses, Training = null };

        AlignmentTargets? targets = null;
        try
        {
            State state;
            PushResult? lastPush = null;
            if (resuming)
            {
                var json = TrainingCheckpoint.RestoreOptimization(run.LastCheckpoint, model, Optimizers(warm, joint, last), [("joint", jointSchedule)]);
                if (json["mode"]?.GetValue<string>() is { } savedMode && savedMode != options.Mode)
                    throw new InvalidDataException($"{run.LastCheckpoint} was written by a {savedMode} run, not {options.Mode}");
                state = new State(json["done"]!.GetValue<int>(), json["best_top1"]!.GetValue<double>(), json["best_step"]!.GetValue<int>(), json["best_test_top1"]!.GetValue<double>());
                lastPush = LvwCheckpoint.ReadWords(run.LastCheckpoint);
                if (RewriteConfig && Distributed.Writes) run.WriteConfig(options, recipe, LvwTrainer.ConfigFormat);
                progress.Message(state.Done == 0 ? $"resuming {run.Path} from the start" : $"resuming {run.Path} after step {steps[state.Done - 1].Name} ({state.Done} of {steps.Count})");
                if (OriginalThreads != 0 && OriginalThreads != Engine.NumThreads)
                    progress.Message($"the run was started with {OriginalThreads} threads and continues with {Engine.NumThreads}: the results will not be bit-identical to an uninterrupted run");
            }
            else
            {
                state = new State(0, -1, -1, -1);
                Distributed.StartFromRankZero(model);   // every rank starts from rank 0's network
                if (Distributed.Writes)
                {
                    run.WriteConfig(options, recipe, LvwTrainer.ConfigFormat);
                    SaveLast(model, metadata, warm, joint, last, jointSchedule, state, null, null);
                }
            }

            // After the broadcast or the restore: every rank's network is equal. The network is in training mode in every phase
            // (the backbone's batch norm keeps its batch statistics even while its weights are frozen), so --sync-bn takes all of it.
            Distributed.SynchroniseBatchNorm(options.SyncBatchNorm, model, progress);
            // One reducer per optimizer's parameters.
            foreach (var parameter in model.Parameters()) parameter.RequiresGrad_(true);
            using var warmReducer = Distributed.CreateReducer(LearningIn(model, LvwPhase.Warm));
            using var jointReducer = Distributed.CreateReducer(LearningIn(model, LvwPhase.Joint));
            using var lastReducer = Distributed.CreateReducer(LearningIn(model, LvwPhase.LastLayer));
            var reducers = new Dictionary<LvwPhase, GradientReducer?> { [LvwPhase.Warm] = warmReducer, [LvwPhase.Joint] = jointReducer, [LvwPhase.LastLayer] = lastReducer };

            if (mode == PrototypeMode.Lvw && weights.Align > 0 && steps.Skip(state.Done).Any(s => s.Phase is LvwPhase.Joint or LvwPhase.LastLayer))
                targets = Distributed.RankZeroFirst(() => LoadTargets(spec, fullTrain, baseModel, baseMeta, cancellationToken));   // rank 0 fills the cache

            var metrics = Distributed.Writes ? new MetricsLog(run.Path) : null;
            metrics?.TruncateAfter("step", state.Done - 1);
            using var tensorBoard = options.TensorBoard && Distributed.Writes ? new TensorBoardWriter(run.TensorBoardDirectory) : null;
            if (resuming) tensorBoard?.AddSessionStart(state.Done + 1);

            var loader = new DataLoader(train, new DataLoaderOptions
            {
                BatchSize = options.BatchSize, Shuffle = true, Seed = options.Seed, Workers = options.Workers, Transform = data.Raw, Shard = Distributed.Shard,
            });
            var shown = new TrainingOptions
            {
                Data = options.Data, Architecture = architecture, Epochs = steps.Count, BatchSize = options.BatchSize, LearningRate = options.BackboneLr,
                Schedule = "four phases",
                Seed = options.Seed, Workers = options.Workers, TensorBoard = options.TensorBoard, OutputDirectory = run.Path, SelectOnTest = options.SelectOnTest,
                Precision = options.Precision,
            };
            progress.RunStarted(new TrainingRunInfo(run.Path, shown, recipe, $"{(mode == PrototypeMode.Lvw ? "Learnable Visual Words" : "ProtoPNet")}: {architecture} ({model.NumWords} words × {model.Dimension})",
                model.Parameters().Sum(p => p.NumEl), model.Parameters().Sum(p => p.NumEl), train.ClassNames, train.Count, test.Count, loader.BatchCount, state.Done, Engine.NumThreads)
            {
                ValidationImages = validation?.Count ?? 0,
                Optimization = $"Adam: warm-up {options.WarmEpochs} epochs (add-on lr {options.AddOnLr.ToString(CultureInfo.InvariantCulture)}, words {options.WordsLr.ToString(CultureInfo.InvariantCulture)}), " +
                               $"joint to epoch {options.Epochs - 1} (backbone lr {options.BackboneLr.ToString(CultureInfo.InvariantCulture)}, StepLR {options.JointLrStepSize}×{options.JointLrGamma.ToString(CultureInfo.InvariantCulture)}), " +
                               $"wd {options.WeightDecay.ToString(CultureInfo.InvariantCulture)}; push after every epoch {options.PushEvery}k ≥ {options.PushStart}, then {options.LastLayerIterations} last-layer passes (lr {options.LastLayerLr.ToString(CultureInfo.InvariantCulture)})",
            });

            var firstPush = steps.FirstOrDefault(s => s.Phase == LvwPhase.Push)?.Index ?? -1;
            var done = new List<LvwStepResult>();
            try
            {
                for (var i = state.Done; i < steps.Count; i++)
                {
                    var step = steps[i];
                    var clock = Stopwatch.StartNew();
                    LvwStepResult result;
                    if (step.Phase == LvwPhase.Push)
                    {
                        progress.EpochStarted(i + 1, 0);
                        progress.Message($"step {i + 1}/{steps.Count}: push after epoch {step.Epoch}");
                        lastPush = WordPush.Push(model, train, data.Raw, data.Normalization, options.PushBatchSize, options.Workers,
                            (n, total) => progress.BatchCompleted(new TrainingBatchProgress(i + 1, n, total, n, double.NaN, double.NaN, n / Math.Max(clock.Elapsed.TotalSeconds, 1e-9))),
                            cancellationToken);
                        // Every rank pushed over the whole split; rank 0's words (those its push-*.json describes) hold on every rank.
                        Distributed.FromRankZero(model.Words);
                        progress.Message($"push after epoch {step.Epoch}: {model.NumWords} words on {lastPush.DistinctPatches} distinct patches ({lastPush.Seconds:F1} s)");
                        result = new LvwStepResult(step, null, 0, 0, lastPush.DistinctPatches);
                    }
                    else
                    {
                        var trained = TrainPass(model, step, loader, data, targets, weights, warm, joint, last, reducers[step.Phase], precision, cancellationToken);
                        if (step.Phase == LvwPhase.Joint) jointSchedule.Step();
                        result = new LvwStepResult(step, trained, trained.Images / trained.Seconds, trained.Seconds, null);
                    }
                    var (validated, evaluated) = Evaluate(model, data, precision, i + 1, cancellationToken);
                    var selection = (validated ?? evaluated).Top1;
                    // When the schedule pushes, select among the push and last-layer steps: only there is every word exactly the
                    // training patch it was pushed onto (joint epochs move the words again), as the original's NNpush checkpoints.
                    var eligible = firstPush < 0 || step.Phase is LvwPhase.Push or LvwPhase.LastLayer;
                    var isBest = eligible && (selection > state.BestTop1 || state.BestStep < firstPush);
                    result = result with { Validation = validated, Test = evaluated, IsBest = isBest, Seconds = clock.Elapsed.TotalSeconds };

                    // Order matters for resuming: metrics, then push and best checkpoints, then last (a resumed run redoes the steps after last's).
                    metrics?.Append(result.ToRow(joint));
                    tensorBoard?.AddScalars(result.Scalars(), i + 1);
                    var next = isBest ? new State(i + 1, selection, i, evaluated.Top1) : state with { Done = i + 1 };
                    if (Distributed.Writes)
                    {
                        if (step.Phase == LvwPhase.Push)
                        {
                            AtomicFile.WriteAllText(Path.Combine(run.Path, $"push-{step.Epoch}.json"), JsonSerializer.Serialize(lastPush, LvwTrainer.Json));
                            LvwCheckpoint.Save(Path.Combine(run.Path, $"push-{step.Epoch}.ocular"), model, WithTraining(metadata, next, step, result), lastPush);
                        }
                        if (isBest) LvwCheckpoint.Save(run.BestCheckpoint, model, WithTraining(metadata, next, step, result), lastPush);
                        SaveLast(model, metadata, warm, joint, last, jointSchedule, next, step, lastPush, result);
                    }
                    Distributed.Checkpointed();   // no rank starts the next step before rank 0 has written this one's checkpoint
                    state = next;
                    done.Add(result);
                    progress.EpochCompleted(result.ToEpochMetrics(steps.Count, joint));
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new TrainingInterruptedException(run.Path, state.Done, e, "lvw");
            }
            var bestName = state.BestStep >= 0 ? steps[state.BestStep].Name : null;
            return new LvwTrainingResult(run.Path, done, state.Done, state.BestTop1, state.BestTestTop1, bestName, run.LastCheckpoint, run.BestCheckpoint, lastPush?.DistinctPatches);
        }
        finally
        {
            targets?.Dispose();
        }
    }

    // ------------------------------------------------------------ set-up

    // The base classifier: an .ocular checkpoint, or PyTorch weights of --base-arch imported on the fly (§3: the original's
    // base is a fine-tuned torchvision ResNet-34) with ImageNet normalisation at the architecture's input size.
    private ClassifierCheckpoint.Loaded LoadBase(IReadOnlyList<string> classNames)
    {
        if (options.BaseArchitecture is not { } architecture)
        {
            try
            {
                return ClassifierCheckpoint.Load(options.BaseClassifier);
            }
            catch (InvalidDataException e) when (!e.Message.Contains("do not match", StringComparison.Ordinal))
            {
                throw new InvalidDataException($"{options.BaseClassifier} is not an Ocular classifier checkpoint ({e.Message.Split('\n')[0]}): give --base-arch ARCH " +
                                               "to import PyTorch weights on the fly, or make an .ocular with `ocular import`", e);
            }
        }
        var imported = PyTorchWeights.Import(options.BaseClassifier, architecture, classNames.Count);
        var model = imported.Model;
        if (model.InChannels != 3)
        {
            model.Dispose();
            throw new ArgumentException($"{options.BaseClassifier}: a {model.InChannels}-channel model has no ImageNet normalisation; import it with `ocular import … --mean … --std …` and give the .ocular");
        }
        progress.Message($"base classifier: {imported.Report}");
        var metadata = new ClassifierMetadata
        {
            Architecture = model.Architecture, NumClasses = model.NumClasses, InChannels = 3, ClassNames = classNames,
            InputSize = model.DefaultInputSize, ResizeSize = model.DefaultInputSize, Mean = [.. ImageNormalization.ImageNet.Mean], Std = [.. ImageNormalization.ImageNet.Std],
        };
        return new ClassifierCheckpoint.Loaded(model, metadata, options.BaseClassifier);
    }

    private void CheckClasses(DataSpec spec, IImageDataset train, IImageDataset test, Classifier baseModel, ClassifierMetadata baseMeta)
    {
        if (train.ClassNames.Count != baseModel.NumClasses)
            throw new DatasetException($"'{spec}' has {train.ClassNames.Count} classes but the base classifier {options.BaseClassifier} has {baseModel.NumClasses}: " +
                                       "the base classifier must be trained on the same classes (its Grad-CAM maps are the alignment targets)", null);
        if (baseMeta.ClassNames.Count == train.ClassNames.Count && !baseMeta.ClassNames.SequenceEqual(train.ClassNames))
        {
            var k = Enumerable.Range(0, train.ClassNames.Count).First(i => baseMeta.ClassNames[i] != train.ClassNames[i]);
            throw new DatasetException($"the base classifier {options.BaseClassifier} was trained on other classes than '{spec}': class {k} is '{baseMeta.ClassNames[k]}' there and '{train.ClassNames[k]}' here", null);
        }
        if (test.ClassNames.Count != train.ClassNames.Count)
            throw new DatasetException($"'{spec}': the training split has {train.ClassNames.Count} classes but the test split has {test.ClassNames.Count}", null);
    }

    private AlignmentTargets LoadTargets(DataSpec spec, IImageDataset fullTrain, Classifier baseModel, ClassifierMetadata baseMeta, CancellationToken cancellationToken)
    {
        var settings = new AlignmentTargetSettings(spec.ToString(), "train", fullTrain.Count, AlignmentTargetSettings.HashClasses(fullTrain.ClassNames),
            ClassifierCheckpoint.WeightsHash(baseModel), options.TargetLayer!, baseMeta.InputSize);
        var directory = options.TargetsCache ?? LvwTrainer.DefaultTargetsCache;
        var path = Path.Combine(directory, settings.Key + ".safetensors");
        var clock = Stopwatch.StartNew();
        var computed = false;
        var targets = AlignmentTargets.LoadOrCompute(path, settings, () =>
        {
            computed = true;
            progress.Message($"alignment targets: Grad-CAM of the base classifier at {settings.Layer} for {fullTrain.Count} training images (cached in {path})");
            return AlignmentTargets.Compute(baseModel, fullTrain, baseMeta.Preprocessing(), settings.Layer, options.TestBatchSize, options.Workers,
                (n, total) => progress.BatchCompleted(new TrainingBatchProgress(0, n, total, n, double.NaN, double.NaN, n / Math.Max(clock.Elapsed.TotalSeconds, 1e-9))),
                cancellationToken);
        });
        progress.Message(computed ? $"alignment targets made in {clock.Elapsed.TotalSeconds:F1} s" : $"alignment targets: {path} (cached)");
        return targets;
    }

    private sealed record Groups(IReadOnlyList<Tensor> Trunk, IReadOnlyList<Tensor> AddOn, Tensor Words);

    private static Groups ParameterGroups(PrototypeNetwork model)
    {
        var trunk = model.TrunkLayers.ToHashSet();
        var named = model.NamedParameters().ToList();
        return new Groups([.. named.Where(p => trunk.Contains(p.Path.Split('.')[0])).Select(p => (Tensor)p.Parameter)],
            [.. model.AddOnLayers.Parameters()], model.Words);
    }

    // warm_only / joint / last_only (train_and_test.py): whether the parameter at `path` learns in `phase`.
    private static bool Learns(LvwPhase phase, string path)
    {
        var part = path.Split('.')[0];
        return phase switch
        {
            LvwPhase.Warm => part is "add_on_layers" or "prototype_vectors",
            LvwPhase.Joint => part != "last_layer",
            _ => part == "last_layer",
        };
    }

    private static IEnumerable<Parameter> LearningIn(PrototypeNetwork model, LvwPhase phase) =>
        model.NamedParameters().Where(p => Learns(phase, p.Path)).Select(p => p.Parameter);

    private static IReadOnlyList<(string, Optimizer)> Optimizers(Optimizer warm, Optimizer joint, Optimizer last) => [("warm", warm), ("joint", joint), ("last", last)];

    // ------------------------------------------------------------ training

    /// <summary>The sums over a pass, weighted by batch size.</summary>
    private sealed class PassTotals
    {
        public double Loss, Ce, Cluster, Separation, L1, Align;
        public long Correct;
        public int Images;
        public double Seconds;

        public void Add(LvwLossTerms terms, Tensor logits, Tensor labels)
        {
            var n = (int)labels.Size(0);
            Loss += terms.Total.Item<float>() * n;
            Ce += terms.CrossEntropy.Item<float>() * n;
            Cluster += terms.Cluster.Item<float>() * n;
            Separation += (terms.Separation?.Item<float>() ?? double.NaN) * n;
            L1 += terms.L1.Item<float>() * n;
            Align += (terms.Align?.Item<float>() ?? double.NaN) * n;
            using var noGrad = Autograd.NoGrad();
            using var predicted = logits.Argmax(1);
            using var equal = predicted.Eq(labels);
            using var sum = equal.Sum();
            Correct += sum.Item<long>();
            Images += n;
        }

        public double Mean(double sum) => Images == 0 ? double.NaN : sum / Images;

        public double Accuracy => Images == 0 ? double.NaN : 100.0 * Correct / Images;

        // The totals over every rank's images (the ranks' sums added).
        public void SumOver(DistributedRun distributed)
        {
            var t = distributed.Sum(Loss, Ce, Cluster, Separation, L1, Align, Correct, Images);
            (Loss, Ce, Cluster, Separation, L1, Align, Correct, Images) = (t[0], t[1], t[2], t[3], t[4], t[5], (long)t[6], (int)t[7]);
        }

        public LvwPassMetrics Result() => new(Mean(Loss), Mean(Ce), Mean(Cluster), Mean(Separation), Mean(L1), Mean(Align), Accuracy, Images, Seconds);
    }

    private LvwPassMetrics TrainPass(PrototypeNetwork model, LvwStep step, DataLoader loader, Data data, AlignmentTargets? targets, LvwLossWeights weights,
        Optimizer warm, Optimizer joint, Optimizer last, GradientReducer? reducer, ResolvedPrecision precision, CancellationToken cancellationToken)
    {
        // Which parts learn; the model is in training mode throughout (batch-norm statistics keep updating, as in the original).
        foreach (var (path, parameter) in model.NamedParameters()) parameter.RequiresGrad_(Learns(step.Phase, path));
        var optimizer = step.Phase switch { LvwPhase.Warm => warm, LvwPhase.Joint => joint, _ => last };
        var align = step.Phase != LvwPhase.Warm && targets is not null;
        model.Train();
        progress.EpochStarted(step.Index + 1, loader.BatchCount);
        var clock = Stopwatch.StartNew();
        var totals = new PassTotals();
        var b = 0;
        foreach (var batch in loader.Epoch(step.Index))
        {
            using (batch)
            using (DisposeScope.Enter())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (imageFlips, mapFlips) = Flips(step.Index, batch.Indices);
                var images = data.Normalization.Apply(LCam.LCamViews.Apply(batch.Images, imageFlips));
                Tensor? maps = null;
                if (align)
                {
                    var raw = targets!.Get(batch.Indices);   // a sample keeps its index in the training split, also in the validation carve
                    using var flip = Tensor.FromArray([.. mapFlips.Select(f => f == 1)], mapFlips.Length, 1, 1);
                    maps = Tensor.Where(flip, raw.Flip(2), raw);
                }
                optimizer.ZeroGrad();
                Distributed.BroadcastBuffers(model);   // DDP's broadcast_buffers: rank 0's batch-norm statistics before every forward
                // The forward pass and the loss in the run's precision, the loss from float32 outputs; backward and step outside.
                PrototypeOutput output;
                LvwLossTerms loss;
                using (precision.Enter())
                {
                    output = Float32(model.ForwardWords(precision.TrainingInput(images)));
                    loss = LvwLoss.Compute(model, output, batch.Labels, weights, maps);
                }
                using var disposeOutput = output;
                using var disposeLoss = loss;
                DistributedRun.Backward(loss.Total, reducer);   // the phase's gradients averaged over the ranks
                optimizer.Step();
                totals.Add(loss, output.Logits, batch.Labels);
            }
            b++;
            progress.BatchCompleted(new TrainingBatchProgress(step.Index + 1, b, loader.BatchCount, totals.Images, totals.Mean(totals.Loss), totals.Accuracy,
                totals.Images / clock.Elapsed.TotalSeconds));
        }
        totals.SumOver(Distributed);
        // Every rank evaluates, pushes and checkpoints rank 0's network: each rank's last forward moved its own statistics.
        Distributed.BroadcastBuffers(model);
        if (totals.Images == 0) throw new DatasetException("a training pass had no image (every file skipped?)", null);
        totals.Seconds = clock.Elapsed.TotalSeconds;
        return totals.Result();
    }

    // The outputs of a forward pass in float32 (the logits of a bfloat16 pass are bfloat16; the distances are float32 already).
    private static PrototypeOutput Float32(PrototypeOutput output)
    {
        using (output)
            return new PrototypeOutput(output.Logits.To(ScalarType.Float32), output.MinDistances.To(ScalarType.Float32),
                output.WordScores.To(ScalarType.Float32), output.ActivationMaps.To(ScalarType.Float32));
    }

    // The flips of one pass (§8.2): one decision per sample shared by the image and its target map; with --independent-flip the
    // image also gets its own flip first (the original's RandomHorizontalFlip on the image before the joint one).
    private (int[] Image, int[] Map) Flips(int pass, IReadOnlyList<int> indices)
    {
        var shared = indices.Select(i => (int)(Seeds.Derive(options.Seed, FlipKey, (ulong)pass, (ulong)i) & 1)).ToArray();
        if (!options.IndependentFlip) return (shared, shared);
        var own = indices.Select(i => (int)(Seeds.Derive(options.Seed, ImageFlipKey, (ulong)pass, (ulong)i) & 1)).ToArray();
        return ([.. shared.Zip(own, (s, o) => s ^ o)], shared);
    }

    // With several ranks each evaluates its share of each split and the sums are all-reduced, so that every rank has the same numbers.
    private (ClassifierEvaluationResult? Validation, ClassifierEvaluationResult Test) Evaluate(PrototypeNetwork model, Data data, ResolvedPrecision precision, int stepNumber,
        CancellationToken cancellationToken)
    {
        model.Eval();
        int Batches(IImageDataset d) => (Distributed.Part(d, options.TestBatchSize).Count + options.TestBatchSize - 1) / options.TestBatchSize;
        var validationBatches = data.Validation is null ? 0 : Batches(data.Validation);
        var total = validationBatches + Batches(data.Test);
        progress.EvaluationStarted(stepNumber, total);
        var validated = data.Validation is null ? null : ClassifierEvaluation.Evaluate(model, data.Validation, data.Normalised, options.TestBatchSize, options.Workers,
            (b, _) => progress.EvaluationBatchCompleted(stepNumber, b, total), cancellationToken, Distributed.Group, precision);
        var evaluated = ClassifierEvaluation.Evaluate(model, data.Test, data.Normalised, options.TestBatchSize, options.Workers,
            (b, _) => progress.EvaluationBatchCompleted(stepNumber, validationBatches + b, total), cancellationToken, Distributed.Group, precision);
        return (validated, evaluated);
    }

    // ------------------------------------------------------------ checkpoints

    private void SaveLast(PrototypeNetwork model, ClassifierMetadata metadata, Optimizer warm, Optimizer joint, Optimizer last, ILrScheduler jointSchedule, State state,
        LvwStep? step, PushResult? push, LvwStepResult? result = null) =>
        TrainingCheckpoint.Save(Optimizers(warm, joint, last), [("joint", jointSchedule)],
            new JsonObject
            {
                ["done"] = state.Done, ["best_top1"] = state.BestTop1, ["best_step"] = state.BestStep, ["best_test_top1"] = state.BestTestTop1, ["mode"] = options.Mode,
            },
            (extra, meta) => LvwCheckpoint.Save(run.LastCheckpoint, model, step is null ? metadata : WithTraining(metadata, state, step, result), push, extra, meta));

    private ClassifierMetadata WithTraining(ClassifierMetadata metadata, State state, LvwStep step, LvwStepResult? result) => metadata with
    {
        Training = new JsonObject
        {
            ["method"] = options.ModeKind == PrototypeMode.Lvw ? "lvw" : "protopnet",
            ["step"] = step.Name,
            ["steps_done"] = state.Done,
            ["val_top1"] = result?.Validation?.Top1,
            ["test_top1"] = result?.Test?.Top1,
            ["best_top1"] = state.BestTop1 >= 0 ? state.BestTop1 : null,
            ["selected_on"] = options.SelectOnTest ? "test" : "validation",
            ["options"] = JsonSerializer.SerializeToNode(options, LvwTrainer.Json),
        },
    };
}
