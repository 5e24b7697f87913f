using System.CommandLine;
using Ocular.Cli.Rendering;
using Ocular.Explain.Learned.Lvw;
using Ocular.Vision.Datasets;
using Ocular.Vision.Training;

namespace Ocular.Cli.Commands;

/// <summary>
/// <c>ocular train lvw</c>: trains a Learnable Visual Words network (or ProtoPNet with <c>--mode protopnet</c>) into a
/// run directory, or resumes one with <c>--resume RUN_DIR</c>. The work is <see cref="LvwTrainer"/>'s; this file maps
/// options and renders progress with the classifier trainer's renderers (each schedule step is one row).
/// </summary>
internal static class TrainLvwCommand
{
    private static readonly Option<string?> Base = new("--base") { Description = "the base classifier (.ocular): its Grad-CAM maps are LVW's alignment targets, its preprocessing is the run's, and its trunk the default backbone" };
    private static readonly Option<string?> BaseArch = new("--base-arch") { Description = "the zoo architecture of a base classifier given as PyTorch weights (.pth/.safetensors state dict), imported on the fly with ImageNet normalisation" };
    private static readonly Option<string?> Data = new("--data") { Description = $"the data set (its classes must be the base classifier's): {DataSpec.Accepted}" };
    private static readonly Option<string?> Mode = new("--mode") { Description = "lvw (shared words with the alignment loss, default) or protopnet (class-specific prototypes)" };
    private static readonly Option<string?> Backbone = new("--backbone") { Description = "the backbone's zoo name (default: the base classifier's architecture)" };
    private static readonly Option<string?> BackboneWeights = new("--backbone-weights") { Description = "the backbone's initial weights: base (the base classifier's trunk; default when the architectures match), a .pth/.ocular file (e.g. ImageNet resnet34.pth, as the original) or none" };
    private static readonly Option<int?> WordsPerClass = new("--words-per-class") { Description = "words per class, P = this × classes (default 5)" };
    private static readonly Option<int?> Dimension = new("--dimension") { Description = "word dimension D (default 128)" };
    private static readonly Option<int?> WarmEpochs = new("--warm-epochs") { Description = "warm-up epochs on a frozen backbone (default 10)" };
    private static readonly Option<int?> PushStart = new("--push-start") { Description = "the first epoch (0-based) followed by a push (default 10)" };
    private static readonly Option<int?> PushEvery = new("--push-every") { Description = "push after every epoch that is a multiple of this, from --push-start (default 10)" };
    private static readonly Option<int?> LastLayerIterations = new("--last-layer-iterations") { Description = "last-layer-only passes after each push (default 20)" };
    private static readonly Option<int?> JointLrStep = new("--joint-lr-step") { Description = "the joint phase's StepLR step in epochs (default 5, the original's, which freezes joint training by about epoch 30)" };
    private static readonly Option<double?> BackboneLr = new("--backbone-lr") { Description = "the backbone's joint learning rate (default 1e-4)" };
    private static readonly Option<double?> AddOnLr = new("--add-on-lr") { Description = "the add-on layers' learning rate (default 3e-3)" };
    private static readonly Option<double?> WordsLr = new("--words-lr") { Description = "the words' learning rate (default 3e-3)" };
    private static readonly Option<double?> LastLayerLr = new("--last-layer-lr") { Description = "the last layer's learning rate (default 1e-4)" };
    private static readonly Option<double?> WeightDecay = new("--wd") { Description = "Adam weight decay on the backbone and add-on layers (default 1e-3)" };
    private static readonly Option<double?> Separation = new("--separation") { Description = "the separation cost's weight (ProtoPNet only; default -0.08)" };
    private static readonly Option<double?> AlignWeight = new("--align-weight") { Description = "the alignment loss's weight (LVW only; default 10)" };
    private static readonly Option<string?> TargetLayer = new("--target-layer") { Description = "the base classifier's Grad-CAM layer for the alignment targets (default: its default layer, layer4 for ResNets)" };
    private static readonly Option<string?> TargetsCache = new("--targets-cache") { Description = "directory of cached alignment targets (default ~/.cache/ocular/alignment-targets)" };
    private static readonly Option<bool> IndependentFlip = new("--independent-flip") { Description = "flip image and target map independently, reproducing the original's misalignment (§8.2)" };
    private static readonly Option<int?> BatchSize = new("--batch-size") { Description = "training images per batch (default 80)" };
    private static readonly Option<int?> TestBatchSize = new("--test-batch-size") { Description = "evaluation images per batch (default 100)" };
    private static readonly Option<int?> PushBatchSize = new("--push-batch-size") { Description = "push images per batch (default 75)" };
    private static readonly Option<int?> TrainImages = new("--train-images") { Description = "use the first N training images (default all)" };
    private static readonly Option<int?> TestImages = new("--test-images") { Description = "evaluate on the first N test images (default all)" };
    private static readonly Option<bool> SelectOnTest = new("--select-on-test") { Description = "select best.ocular on the test split, as the original (default: a validation split)" };
    private static readonly Option<double?> ValidationFraction = new("--validation-fraction") { Description = "the training fraction carved out for validation (default 0.1, fixed seed)" };

    private static readonly TrainingRunOptions RunOptions = new(201, "seed of the initialisation, data order and flips");

    public static Command Create()
    {
        var command = new Command("lvw", "Train Learnable Visual Words (shared, interpretable words aligned with a base classifier's Grad-CAM) or ProtoPNet (--mode protopnet) into a run directory; explain with --method lvw");
        Option[] all = [Base, BaseArch, Data, Mode, Backbone, BackboneWeights, WordsPerClass, Dimension, WarmEpochs, PushStart, PushEvery, LastLayerIterations, JointLrStep,
            BackboneLr, AddOnLr, WordsLr, LastLayerLr, WeightDecay, Separation, AlignWeight, TargetLayer, TargetsCache, IndependentFlip, BatchSize, TestBatchSize,
            PushBatchSize, TrainImages, TestImages, SelectOnTest, ValidationFraction];
        foreach (var option in all.Concat(RunOptions.All)) command.Options.Add(option);
        command.SetAction(parse => Run(parse, all));
        return command;
    }

    private static int Run(ParseResult parse, Option[] all)
    {
        if (DistributedLaunch.LaunchIfAsked(parse, RunOptions.NprocPerNode) is { } exitCode) return exitCode;
        var resume = RunOptions.ReadResume(parse, all);
        LvwTrainingOptions? options = null;
        if (resume is null)
        {
            options = new LvwTrainingOptions
            {
                BaseClassifier = parse.GetValue(Base) ?? throw new ArgumentException("--base FILE.ocular is required: the base classifier whose Grad-CAM maps the words align with"),
                BaseArchitecture = parse.GetValue(BaseArch),
                Data = parse.GetValue(Data) ?? throw new ArgumentException($"--data is required; accepted: {DataSpec.Accepted}"),
                Mode = parse.GetValue(Mode) ?? "lvw",
                Backbone = parse.GetValue(Backbone),
                BackboneWeights = parse.GetValue(BackboneWeights),
                WordsPerClass = parse.GetValue(WordsPerClass) ?? 5,
                Dimension = parse.GetValue(Dimension) ?? 128,
                Epochs = RunOptions.EpochsOr(parse),
                WarmEpochs = parse.GetValue(WarmEpochs) ?? 10,
                PushStart = parse.GetValue(PushStart) ?? 10,
                PushEvery = parse.GetValue(PushEvery) ?? 10,
                LastLayerIterations = parse.GetValue(LastLayerIterations) ?? 20,
                JointLrStepSize = parse.GetValue(JointLrStep) ?? 5,
                BackboneLr = parse.GetValue(BackboneLr) ?? 1e-4,
                AddOnLr = parse.GetValue(AddOnLr) ?? 3e-3,
                WordsLr = parse.GetValue(WordsLr) ?? 3e-3,
                LastLayerLr = parse.GetValue(LastLayerLr) ?? 1e-4,
                WeightDecay = parse.GetValue(WeightDecay) ?? 1e-3,
                SeparationWeight = parse.GetValue(Separation),
                AlignWeight = parse.GetValue(AlignWeight),
                TargetLayer = parse.GetValue(TargetLayer),
                TargetsCache = parse.GetValue(TargetsCache),
                IndependentFlip = parse.GetValue(IndependentFlip),
                BatchSize = parse.GetValue(BatchSize) ?? 80,
                TestBatchSize = parse.GetValue(TestBatchSize) ?? 100,
                PushBatchSize = parse.GetValue(PushBatchSize) ?? 75,
                TrainImages = parse.GetValue(TrainImages),
                TestImages = parse.GetValue(TestImages),
                SelectOnTest = parse.GetValue(SelectOnTest),
                ValidationFraction = parse.GetValue(ValidationFraction) ?? ValidationSplit.DefaultFraction,
                Seed = parse.GetValue(RunOptions.Seed) ?? 0,
                Workers = parse.GetValue(RunOptions.Workers) ?? 2,
                Precision = RunOptions.PrecisionOf(parse),
                TensorBoard = parse.GetValue(RunOptions.TensorBoard),
                SyncBatchNorm = parse.GetValue(RunOptions.SyncBn),
                OutputDirectory = RunOptions.OutputDirectory(parse),
            };
            options.Validate();
            if (!File.Exists(options.BaseClassifier)) throw new FileNotFoundException($"--base: no such classifier checkpoint: {options.BaseClassifier}", options.BaseClassifier);
            if (options.BackboneWeights is { } w && w is not ("base" or "none") && !File.Exists(w))
                throw new FileNotFoundException($"--backbone-weights: no such file: {w}", w);
            DataSpec.Parse(options.Data);
        }

        // A data-parallel run when launched as torchrun launches workers (WORLD_SIZE > 1; docs/distributed.md); rank 0 reports.
        using var group = DistributedLaunch.JoinGroup();
        LvwTrainingResult Train(ITrainingProgress progress) => options is not null
            ? LvwTrainer.Train(options, progress, group: group)
            : LvwTrainer.Resume(resume!, parse.GetValue(RunOptions.Epochs), parse.GetValue(RunOptions.Workers), progress, group: group, precision: RunOptions.ResumePrecision(parse));

        var quiet = RunOptions.IsQuiet(parse, group);
        var result = TrainingDisplay.Run(quiet, Train);
        if (!quiet) Console.Out.WriteLine(TrainingText.Done(result));
        return 0;
    }
}
