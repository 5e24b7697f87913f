using System.CommandLine;
using Ocular.Cli.Rendering;
using Ocular.Explain.Learned.Lavise;
using Ocular.Vision.Datasets;
using Ocular.Vision.Training;

namespace Ocular.Cli.Commands;

/// <summary>
/// <c>ocular train lavise</c>: trains LaViSE's explainer for one layer of a frozen classifier on concept-annotated data
/// into a run directory, or resumes one with <c>--resume RUN_DIR</c>. The work is <see cref="LaviseTrainer"/>'s.
/// </summary>
internal static class TrainLaviseCommand
{
    private static readonly Option<string?> Model = new("--model") { Description = "the classifier whose filters are explained (.ocular); it stays frozen" };
    private static readonly Option<string?> Layer = new("--layer") { Description = "the explained layer (default: the architecture's, layer4 for ResNets)" };
    private static readonly Option<string?> Data = new("--data") { Description = $"concept-annotated reference data: coco:ROOT, vg:ROOT or shapes[:…] ({DataSpec.Accepted})" };
    private static readonly Option<string?> Embeddings = new("--embeddings") { Description = "word vectors: GloVe text (e.g. glove.6B.300d.txt, the paper's), word2vec/fastText .vec or binary (default: Ocular's fastText vectors of the WordNet glosses)" };
    private static readonly Option<int?> TrainImages = new("--train-images") { Description = "train on the first N training images (default all)" };
    private static readonly Option<int?> TestImages = new("--test-images") { Description = "validate on the first N test images (default all)" };
    private static readonly Option<int?> BatchSize = new("--batch-size") { Description = "concept masks per batch (default 64)" };
    private static readonly Option<double?> Lr = new("--lr") { Description = "Adam's learning rate (default 1e-4, the original's)" };
    private static readonly Option<double?> Margin = new("--margin") { Description = "the hinge loss's margin (default 1)" };
    private static readonly Option<double?> SeenRate = new("--seen-rate") { Description = "fraction of label words seen in training, drawn without replacement (default 0.7; 1 = all, the COCO setting)" };
    private static readonly Option<bool> FreezeBn = new("--freeze-explainer-bn") { Description = "keep the explainer's batch norm in evaluation mode while training, as the original (default: train mode)" };
    private static readonly Option<bool> Augment = new("--augment") { Description = "random resized crop and flip, masks following, features recomputed each epoch (default: no augmentation, features cached)" };

    private static readonly TrainingRunOptions RunOptions = new(20, "seed of the explainer's initialisation, the pair order and the seen/unseen draw");

    public static Command Create()
    {
        var command = new Command("lavise", "Train LaViSE's explainer for a layer of a frozen classifier on concept-annotated data; explain its filters with `ocular explain-filters --explainer RUN_DIR/best.ocular`");
        Option[] all = [Model, Layer, Data, Embeddings, TrainImages, TestImages, BatchSize, Lr, Margin, SeenRate, FreezeBn, Augment];
        foreach (var option in all.Concat(RunOptions.All)) command.Options.Add(option);
        command.SetAction(parse => Run(parse, all));
        return command;
    }

    private static int Run(ParseResult parse, Option[] all)
    {
        if (DistributedLaunch.LaunchIfAsked(parse, RunOptions.NprocPerNode) is { } exitCode) return exitCode;
        var resume = RunOptions.ReadResume(parse, all);
        LaviseTrainingOptions? options = null;
        if (resume is null)
        {
            options = new LaviseTrainingOptions
            {
                Classifier = parse.GetValue(Model) ?? throw new ArgumentException("--model FILE.ocular is required: the classifier whose filters are explained"),
                Layer = parse.GetValue(Layer),
                Data = parse.GetValue(Data) ?? throw new ArgumentException("--data is required: coco:ROOT, vg:ROOT or shapes"),
                Embeddings = parse.GetValue(Embeddings),
                TrainImages = parse.GetValue(TrainImages),
                TestImages = parse.GetValue(TestImages),
                Epochs = RunOptions.EpochsOr(parse),
                BatchSize = parse.GetValue(BatchSize) ?? 64,
                LearningRate = parse.GetValue(Lr) ?? 1e-4,
                Margin = parse.GetValue(Margin) ?? 1,
                SeenRate = parse.GetValue(SeenRate) ?? 0.7,
                FreezeExplainerBatchNorm = parse.GetValue(FreezeBn),
                Augment = parse.GetValue(Augment),
                Seed = parse.GetValue(RunOptions.Seed) ?? 0,
                Workers = parse.GetValue(RunOptions.Workers) ?? 2,
                Precision = RunOptions.PrecisionOf(parse),
                TensorBoard = parse.GetValue(RunOptions.TensorBoard),
                SyncBatchNorm = parse.GetValue(RunOptions.SyncBn),
                OutputDirectory = RunOptions.OutputDirectory(parse),
            };
            options.Validate();
            if (!File.Exists(options.Classifier)) throw new FileNotFoundException($"--model: no such classifier checkpoint: {options.Classifier}", options.Classifier);
            if (options.Embeddings is { } e && !File.Exists(e)) throw new FileNotFoundException($"--embeddings: no such file: {e}", e);
            DataSpec.Parse(options.Data);
        }

        // A data-parallel run when launched as torchrun launches workers (WORLD_SIZE > 1; docs/distributed.md); rank 0 reports.
        using var group = DistributedLaunch.JoinGroup();
        LaviseTrainingResult Train(ITrainingProgress progress) => options is not null
            ? LaviseTrainer.Train(options, progress, group: group)
            : LaviseTrainer.Resume(resume!, parse.GetValue(RunOptions.Epochs), parse.GetValue(RunOptions.Workers), progress, group: group, precision: RunOptions.ResumePrecision(parse));

        var quiet = RunOptions.IsQuiet(parse, group);
        var result = TrainingDisplay.Run(quiet, Train);
        if (!quiet) Console.Out.WriteLine(TrainingText.Done(result));
        return 0;
    }
}
