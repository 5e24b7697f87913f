using System.CommandLine;
using Ocular.Cli.Rendering;
using Ocular.Explain.Learned.LCam;
using Ocular.Vision.Datasets;
using Ocular.Vision.Training;

namespace Ocular.Cli.Commands;

/// <summary>
/// <c>ocular train l-cam</c>: trains an L-CAM (Fm, Img or TAME) attention mechanism for a classifier checkpoint into a
/// run directory, or resumes one with <c>--resume RUN_DIR</c>. The work is <see cref="LCamTrainer"/>'s; this file maps
/// options and renders progress with the classifier trainer's renderers.
/// </summary>
internal static class TrainLCamCommand
{
    private static readonly Option<string?> Model = new("--model") { Description = "the explained classifier checkpoint (.ocular); it stays frozen" };
    private static readonly Option<string?> Variant = new("--variant") { Description = $"{LCamVariants.Accepted} (default fm)" };
    private static readonly Option<string?> Layer = new("--layer") { Description = "layer path(s) the attention reads, comma-separated (default: the architecture's; three for tame)" };
    private static readonly Option<string?> Data = new("--data") { Description = $"the data set (its classes must be the classifier's): {DataSpec.Accepted}" };
    private static readonly Option<int?> TrainImages = new("--train-images") { Description = "train on the first N training images (default all)" };
    private static readonly Option<int?> TestImages = new("--test-images") { Description = "evaluate each epoch on the first N test images (default all)" };
    private static readonly Option<int?> BatchSize = new("--batch-size") { Description = "images per batch (default 64)" };
    private static readonly Option<double?> Lr = new("--lr") { Description = "weight learning rate, biases 2× (default: the reference's, 0.01 for VGG, 1e-4 otherwise)" };
    private static readonly Option<double?> Momentum = new("--momentum") { Description = "SGD momentum (default 0.9, Nesterov)" };
    private static readonly Option<double?> WeightDecay = new("--wd") { Description = "weight decay on every group (default 5e-4)" };
    private static readonly Option<string?> Schedule = new("--schedule") { Description = $"learning-rate schedule: {LrSchedule.Accepted} (default: the reference's per-epoch decay)" };
    private static readonly Option<string?> Targets = new("--targets") { Description = "the class trained per image: predictions (the classifier's, default) or labels" };
    private static readonly Option<string?> MaskLoss = new("--mask-loss") { Description = "maps in the area/TV terms: own (default) or cross-label (the original N×N)" };
    private static readonly Option<double?> CeWeight = new("--ce-weight") { Description = "λ1, the cross-entropy term's weight (default 1.5)" };
    private static readonly Option<double?> AreaWeight = new("--area-weight") { Description = "λ2, the area term's weight: larger makes smaller maps (default 2)" };
    private static readonly Option<double?> TvWeight = new("--tv-weight") { Description = "λ3, the total-variation term's weight: larger makes smoother maps (default 0.01)" };
    private static readonly Option<int?> Views = new("--views") { Description = "fixed views per image: 1 or 2 (image and horizontal flip; default 2)" };
    private static readonly Option<string?> Cache = new("--cache") { Description = "L-CAM-Fm feature cache: auto (default: memory for fm), memory or none" };
    private static readonly Option<string?> CacheType = new("--cache-type") { Description = "cached features: float16 (default) or float32" };

    private static readonly TrainingRunOptions RunOptions = new(8, "seed of the attention's initialisation, data order and views");

    public static Command Create()
    {
        var command = new Command("l-cam", "Train an L-CAM (fm, img) or TAME attention mechanism for a frozen classifier into a run directory; explain with --method l-cam --explainer RUN_DIR/best.ocular");
        Option[] all = [Model, Variant, Layer, Data, TrainImages, TestImages, BatchSize, Lr, Momentum, WeightDecay, Schedule, Targets, MaskLoss,
            CeWeight, AreaWeight, TvWeight, Views, Cache, CacheType];
        foreach (var option in all.Concat(RunOptions.All)) command.Options.Add(option);
        command.SetAction(parse => Run(parse, all));
        return command;
    }

    private static int Run(ParseResult parse, Option[] all)
    {
        if (DistributedLaunch.LaunchIfAsked(parse, RunOptions.NprocPerNode) is { } exitCode) return exitCode;
        var resume = RunOptions.ReadResume(parse, all);
        LCamTrainingOptions? options = null;
        if (resume is null)
        {
            options = new LCamTrainingOptions
            {
                Classifier = parse.GetValue(Model) ?? throw new ArgumentException("--model FILE.ocular is required: the classifier to explain"),
                Variant = parse.GetValue(Variant) ?? "fm",
                Layers = ExplainerCliOptions.Split(parse.GetValue(Layer)),
                Data = parse.GetValue(Data) ?? throw new ArgumentException($"--data is required; accepted: {DataSpec.Accepted}"),
                TrainImages = parse.GetValue(TrainImages),
                TestImages = parse.GetValue(TestImages),
                Epochs = RunOptions.EpochsOr(parse),
                BatchSize = parse.GetValue(BatchSize) ?? 64,
                LearningRate = parse.GetValue(Lr),
                Momentum = parse.GetValue(Momentum) ?? 0.9,
                WeightDecay = parse.GetValue(WeightDecay) ?? 5e-4,
                Schedule = parse.GetValue(Schedule),
                Targets = parse.GetValue(Targets) ?? "predictions",
                MaskLoss = parse.GetValue(MaskLoss) ?? "own",
                CeWeight = parse.GetValue(CeWeight) ?? 1.5,
                AreaWeight = parse.GetValue(AreaWeight) ?? 2,
                TvWeight = parse.GetValue(TvWeight) ?? 0.01,
                Views = parse.GetValue(Views) ?? 2,
                Cache = parse.GetValue(Cache) ?? "auto",
                CacheType = parse.GetValue(CacheType) ?? "float16",
                Seed = parse.GetValue(RunOptions.Seed) ?? 0,
                Workers = parse.GetValue(RunOptions.Workers) ?? 2,
                Precision = RunOptions.PrecisionOf(parse),
                TensorBoard = parse.GetValue(RunOptions.TensorBoard),
                SyncBatchNorm = parse.GetValue(RunOptions.SyncBn),
                OutputDirectory = RunOptions.OutputDirectory(parse),
            };
            options.Validate();
            if (!File.Exists(options.Classifier)) throw new FileNotFoundException($"--model: no such classifier checkpoint: {options.Classifier}", options.Classifier);
            DataSpec.Parse(options.Data);
        }

        // A data-parallel run when launched as torchrun launches workers (WORLD_SIZE > 1; docs/distributed.md); rank 0 reports.
        using var group = DistributedLaunch.JoinGroup();
        LCamTrainingResult Train(ITrainingProgress progress) => options is not null
            ? LCamTrainer.Train(options, progress, group: group)
            : LCamTrainer.Resume(resume!, parse.GetValue(RunOptions.Epochs), parse.GetValue(RunOptions.Workers), progress, group: group, precision: RunOptions.ResumePrecision(parse));

        var quiet = RunOptions.IsQuiet(parse, group);
        var result = TrainingDisplay.Run(quiet, Train);
        if (!quiet) Console.Out.WriteLine(TrainingText.Done(result));
        return 0;
    }
}
