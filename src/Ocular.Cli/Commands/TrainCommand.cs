using System.CommandLine;
using Ocular.Cli.Rendering;
using Ocular.Vision.Datasets;
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

    private static readonly TrainingRunOptions RunOptions = new(10, "seed of initialisation, data order, augmentation and dropout");

    public static Command Create()
    {
        var classifier = new Command("classifier", "Train or fine-tune an image classifier into a run directory (config.json, metrics, last/best checkpoints)");
        Option[] all = [Data, Arch, Weights, FreezeBackbone, BatchSize, Lr, Optimizer, Momentum, Nesterov, WeightDecay, Schedule,
            LabelSmoothing, Augment, InputSize];
        foreach (var option in all.Concat(RunOptions.All)) classifier.Options.Add(option);
        classifier.SetAction(parse => Run(parse, all));
        var train = new Command("train", "Train models (classifier, l-cam)");
        train.Subcommands.Add(classifier);
        train.Subcommands.Add(TrainLCamCommand.Create());
        return train;
    }

    private static int Run(ParseResult parse, Option[] all)
    {
        var resume = RunOptions.ReadResume(parse, all);
        TrainingOptions? options = null;
        if (resume is null)
        {
            options = new TrainingOptions
            {
                Data = parse.GetValue(Data) ?? throw new ArgumentException($"--data is required; accepted: {DataSpec.Accepted}"),
                Architecture = parse.GetValue(Arch),
                Weights = parse.GetValue(Weights),
                FreezeBackbone = parse.GetValue(FreezeBackbone),
                Epochs = RunOptions.EpochsOr(parse),
                BatchSize = parse.GetValue(BatchSize) ?? 64,
                LearningRate = parse.GetValue(Lr),
                Optimizer = parse.GetValue(Optimizer) ?? "sgd",
                Momentum = parse.GetValue(Momentum) ?? 0.9,
                Nesterov = parse.GetValue(Nesterov),
                WeightDecay = parse.GetValue(WeightDecay),
                Schedule = parse.GetValue(Schedule) ?? "constant",
                LabelSmoothing = parse.GetValue(LabelSmoothing) ?? 0,
                Augment = parse.GetValue(Augment) ?? "default",
                InputSize = parse.GetValue(InputSize),
                Seed = parse.GetValue(RunOptions.Seed) ?? 0,
                Workers = parse.GetValue(RunOptions.Workers) ?? 2,
                TensorBoard = parse.GetValue(RunOptions.TensorBoard),
                OutputDirectory = RunOptions.OutputDirectory(parse),
            };
            options.Validate();
            // Fail on a bad data specification before anything is written.
            DataSpec.Parse(options.Data);
        }

        TrainingResult Train(ITrainingProgress progress) => options is not null
            ? ClassifierTrainer.Train(options, progress)
            : ClassifierTrainer.Resume(resume!, parse.GetValue(RunOptions.Epochs), parse.GetValue(RunOptions.Workers), progress);

        var quiet = parse.GetValue(RunOptions.Quiet);
        var result = TrainingDisplay.Run(quiet, Train);
        if (quiet) return 0;
        Console.Out.WriteLine(TrainingText.Done(result));
        return 0;
    }
}
