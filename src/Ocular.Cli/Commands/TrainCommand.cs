using System.CommandLine;
using Ocular.Cli.Rendering;
using Ocular.Vision.Datasets;
using Ocular.Vision.Models.Attention;
using Ocular.Vision.Training;
using Spectre.Console;

namespace Ocular.Cli.Commands;

/// <summary>
/// <c>ocular train classifier</c>: trains (or fine-tunes) a zoo classifier into a run directory, or resumes one with
/// <c>--resume RUN_DIR</c>. The work is <see cref="ClassifierTrainer"/>'s; this file maps options and renders progress.
/// </summary>
internal static class TrainCommand
{
    private static readonly Option<string?> Data = new("--data") { Description = $"the data set: {DataSpec.Accepted}" };
    private static readonly Option<string?> Arch = new("--arch") { Description = "the architecture (see `ocular models`)" };
    private static readonly Option<string?> Weights = new("--weights") { Description = "initial weights: FILE.pth (PyTorch state dict) or FILE.ocular; the head is replaced when the number of classes differs" };
    private static readonly Option<bool> FreezeBackbone = new("--freeze-backbone") { Description = "train only the head" };
    private static readonly Option<int?> BatchSize = new("--batch-size") { Description = "images per batch (default 64)" };
    private static readonly Option<double?> Lr = new("--lr") { Description = "learning rate, the peak for onecycle (default 0.1 for sgd, 0.001 for adam/adamw)" };
    private static readonly Option<string?> Optimizer = new("--optimizer") { Description = "sgd (default), adam or adamw" };
    private static readonly Option<double?> Momentum = new("--momentum") { Description = "SGD momentum (default 0.9)" };
    private static readonly Option<bool> Nesterov = new("--nesterov") { Description = "Nesterov momentum" };
    private static readonly Option<double?> WeightDecay = new("--wd") { Description = "weight decay (default 0; 0.01 for adamw)" };
    private static readonly Option<string?> Schedule = new("--schedule") { Description = $"learning-rate schedule: {LrSchedule.Accepted} (default constant)" };
    private static readonly Option<double?> LabelSmoothing = new("--label-smoothing") { Description = "cross-entropy label smoothing (default 0)" };
    private static readonly Option<string?> Augment = new("--augment") { Description = "default (the data set's augmentation, see docs/training.md) or none" };
    private static readonly Option<int?> InputSize = new("--input-size") { Description = "square input side (default: the data set's image size; 224 for folder and list)" };
    private static readonly Option<string?> Attention = new("--attention") { Description = "attach a built-in attention map to the --arch backbone: lfi-cam or abn (the model is then lficam_ARCH or abn_ARCH; see docs/lficam.md)" };
    private static readonly Option<int?> Conv1Stride = new("--conv1-stride") { Description = "LFI-CAM on a torchvision ResNet: conv1 stride 1 (default, 14×14 maps at 224 px, the reference revision) or 2 (7×7, torchvision's)" };
    private static readonly Option<string?> FinRelu = new("--fin-relu") { Description = "LFI-CAM's FIN ReLUs: every (after every BN; default for torchvision ResNets) or 2-and-4 (after BN 2 and 4; default for the CIFAR ResNet and compact CNN)" };
    private static readonly Option<bool> SelectOnTest = new("--select-on-test") { Description = "select the best epoch on the test split and train on the whole training split, as the original LFI-CAM/ABN scripts (default: on a validation split carved from the training split)" };
    private static readonly Option<double?> ValidationFraction = new("--validation-fraction") { Description = "the fraction of the training split held out to select the best epoch (default 0.1, fixed seed)" };
    private static readonly Option<int?> TrainImages = new("--train-images") { Description = "train on the first N training images (default all; the validation split is carved from them)" };
    private static readonly Option<string?> Preset = new("--preset") { Description = $"a documented recipe filling the options not given: {string.Join(", ", TrainingPreset.All.Select(p => p.Name))} (docs/lficam.md)" };

    private static readonly TrainingRunOptions RunOptions = new(10, "seed of initialisation, data order, augmentation and dropout");

    public static Command Create()
    {
        var classifier = new Command("classifier", "Train or fine-tune an image classifier into a run directory (config.json, metrics, last/best checkpoints)");
        Option[] all = [Data, Arch, Weights, FreezeBackbone, BatchSize, Lr, Optimizer, Momentum, Nesterov, WeightDecay, Schedule,
            LabelSmoothing, Augment, InputSize, Attention, Conv1Stride, FinRelu, SelectOnTest, ValidationFraction, TrainImages, Preset];
        foreach (var option in all.Concat(RunOptions.All)) classifier.Options.Add(option);
        classifier.SetAction(parse => Run(parse, all));
        var train = new Command("train", "Train models (classifier, l-cam)");
        train.Subcommands.Add(classifier);
        train.Subcommands.Add(TrainLCamCommand.Create());
        train.Subcommands.Add(TrainLvwCommand.Create());
        train.Subcommands.Add(TrainLaviseCommand.Create());
        return train;
    }

    // --arch with --attention (and LFI-CAM's options) names the attention classifier of the zoo (lficam_resnet50, abn_cifar_resnet110).
    private static string? ArchitectureName(ParseResult parse)
    {
        var arch = parse.GetValue(Arch);
        var attention = parse.GetValue(Attention);
        var stride = parse.GetValue(Conv1Stride);
        var relu = parse.GetValue(FinRelu);
        if (attention is null)
        {
            if (stride is not null || relu is not null) throw new ArgumentException("--conv1-stride and --fin-relu are LFI-CAM options: give --attention lfi-cam");
            return arch;
        }
        if (arch is null) throw new ArgumentException("--attention needs the backbone: give --arch (e.g. --arch resnet18 --attention lfi-cam)");
        FinReluPattern? pattern = relu?.Trim().ToLowerInvariant() switch
        {
            null => null,
            "every" => FinReluPattern.AfterEveryBn,
            "2-and-4" => FinReluPattern.AfterBn2And4,
            _ => throw new ArgumentException($"--fin-relu must be every or 2-and-4, got '{relu}'"),
        };
        return AttentionArchitectures.Name(arch.Trim().ToLowerInvariant(), attention, stride, pattern);
    }

    private static int Run(ParseResult parse, Option[] all)
    {
        if (DistributedLaunch.LaunchIfAsked(parse, RunOptions.NprocPerNode) is { } exitCode) return exitCode;
        var resume = RunOptions.ReadResume(parse, all);
        TrainingOptions? options = null;
        if (resume is null)
        {
            var preset = parse.GetValue(Preset) is { } presetName ? TrainingPreset.Find(presetName) : null;
            options = new TrainingOptions
            {
                Data = parse.GetValue(Data) ?? throw new ArgumentException($"--data is required; accepted: {DataSpec.Accepted}"),
                Architecture = ArchitectureName(parse),
                Weights = parse.GetValue(Weights),
                FreezeBackbone = parse.GetValue(FreezeBackbone),
                Epochs = parse.GetValue(RunOptions.Epochs) ?? preset?.Epochs ?? RunOptions.EpochsOr(parse),
                BatchSize = parse.GetValue(BatchSize) ?? preset?.BatchSize ?? 64,
                LearningRate = parse.GetValue(Lr) ?? (preset is null ? null : TrainingPreset.LearningRate),
                Optimizer = parse.GetValue(Optimizer) ?? "sgd",
                Momentum = parse.GetValue(Momentum) ?? 0.9,
                Nesterov = parse.GetValue(Nesterov),
                WeightDecay = parse.GetValue(WeightDecay) ?? preset?.WeightDecay,
                Schedule = parse.GetValue(Schedule) ?? preset?.Schedule ?? "constant",
                LabelSmoothing = parse.GetValue(LabelSmoothing) ?? 0,
                Augment = parse.GetValue(Augment) ?? "default",
                InputSize = parse.GetValue(InputSize) ?? preset?.InputSize,
                SelectOnTest = parse.GetValue(SelectOnTest),
                TrainImages = parse.GetValue(TrainImages),
                ValidationFraction = parse.GetValue(ValidationFraction) ?? ValidationSplit.DefaultFraction,
                SyncBatchNorm = parse.GetValue(RunOptions.SyncBn),
                Seed = parse.GetValue(RunOptions.Seed) ?? 0,
                Workers = parse.GetValue(RunOptions.Workers) ?? 2,
                Precision = RunOptions.PrecisionOf(parse),
                TensorBoard = parse.GetValue(RunOptions.TensorBoard),
                OutputDirectory = RunOptions.OutputDirectory(parse),
            };
            options.Validate();
            // Fail on a bad data specification before anything is written.
            DataSpec.Parse(options.Data);
        }

        // A data-parallel run when launched as torchrun launches workers (WORLD_SIZE > 1; docs/distributed.md).
        using var group = DistributedLaunch.JoinGroup();
        TrainingResult Train(ITrainingProgress progress) => options is not null
            ? ClassifierTrainer.Train(options, progress, group: group)
            : ClassifierTrainer.Resume(resume!, parse.GetValue(RunOptions.Epochs), parse.GetValue(RunOptions.Workers), progress, group: group, precision: RunOptions.ResumePrecision(parse));

        // Rank 0 reports; the other ranks train quietly.
        var quiet = RunOptions.IsQuiet(parse, group);
        var result = TrainingDisplay.Run(quiet, Train);
        if (quiet) return 0;
        Console.Out.WriteLine(TrainingText.Done(result));
        return 0;
    }
}
