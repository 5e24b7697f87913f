using Ocular.Torch.Optim;
using Ocular.Vision.Training;

namespace Ocular.Explain.Learned.Lvw;

/// <summary>The means of one training pass's loss terms (NaN for a term the mode or phase does not have) and its accuracy.</summary>
public sealed record LvwPassMetrics(double Loss, double CrossEntropy, double Cluster, double Separation, double L1, double Align, double Accuracy, int Images, double Seconds);

/// <summary>What one step of the schedule did and measured.</summary>
/// <param name="Step">The step.</param>
/// <param name="Training">The training pass's loss terms and accuracy (null for a push).</param>
/// <param name="ImagesPerSecond">The training throughput (0 for a push).</param>
/// <param name="TrainSeconds">The training pass's duration (0 for a push).</param>
/// <param name="DistinctPatches">For a push, the number of distinct patches the words landed on.</param>
public sealed record LvwStepResult(LvwStep Step, LvwPassMetrics? Training, double ImagesPerSecond, double TrainSeconds, int? DistinctPatches)
{
    /// <summary>Validation accuracy after the step (null when selecting on the test split).</summary>
    public ClassifierEvaluationResult? Validation { get; init; }

    /// <summary>Test accuracy after the step.</summary>
    public ClassifierEvaluationResult? Test { get; init; }

    /// <summary>Whether the step's model became best.ocular.</summary>
    public bool IsBest { get; init; }

    /// <summary>The step's duration with its evaluation.</summary>
    public double Seconds { get; init; }

    /// <summary>The row of metrics.jsonl / metrics.csv (missing values left out).</summary>
    internal IReadOnlyDictionary<string, object> ToRow(Optimizer joint)
    {
        var row = new Dictionary<string, object>
        {
            ["step"] = (double)Step.Index, ["name"] = Step.Name, ["phase"] = Step.Phase.ToString().ToLowerInvariant(), ["epoch"] = (double)Step.Epoch,
            ["iteration"] = (double)Step.Iteration,
            ["train_loss"] = Mean(t => t.Loss), ["train_ce"] = Mean(t => t.CrossEntropy), ["train_cluster"] = Mean(t => t.Cluster),
            ["train_separation"] = Mean(t => t.Separation), ["train_l1"] = Mean(t => t.L1), ["train_align"] = Mean(t => t.Align),
            ["train_accuracy"] = Training?.Accuracy ?? double.NaN,
            ["val_loss"] = Validation?.Loss ?? double.NaN, ["val_top1"] = Validation?.Top1 ?? double.NaN,
            ["test_loss"] = Test?.Loss ?? double.NaN, ["test_top1"] = Test?.Top1 ?? double.NaN, ["test_top5"] = Test?.Top5 ?? double.NaN,
            ["joint_lr_backbone"] = joint.ParamGroups[0].Lr, ["images_per_second"] = ImagesPerSecond, ["train_seconds"] = TrainSeconds,
            ["step_seconds"] = Seconds, ["best"] = IsBest ? 1.0 : 0.0,
            ["distinct_patches"] = DistinctPatches is { } d ? (double)d : double.NaN,
        };
        foreach (var key in row.Where(kv => kv.Value is double v && double.IsNaN(v)).Select(kv => kv.Key).ToList()) row.Remove(key);
        return row;
    }

    /// <summary>The TensorBoard scalars.</summary>
    internal IReadOnlyDictionary<string, double> Scalars() => new Dictionary<string, double>
    {
        ["train/loss"] = Mean(t => t.Loss), ["train/align"] = Mean(t => t.Align), ["train/cluster"] = Mean(t => t.Cluster),
        ["val/top1"] = Validation?.Top1 ?? double.NaN, ["test/top1"] = Test?.Top1 ?? double.NaN,
        ["push/distinct_patches"] = DistinctPatches is { } d ? d : double.NaN,
    }.Where(kv => !double.IsNaN(kv.Value)).ToDictionary();

    /// <summary>The step as the epoch rows the training displays show (the step number is the "epoch").</summary>
    internal EpochMetrics ToEpochMetrics(int steps, Optimizer joint) =>
        new(Step.Index + 1, steps, Mean(t => t.Loss), Training?.Accuracy ?? double.NaN, Test?.Loss ?? double.NaN, Test?.Top1 ?? double.NaN, Test?.Top5 ?? double.NaN,
            joint.ParamGroups[0].Lr, ImagesPerSecond, TrainSeconds, Seconds, IsBest)
        {
            ValidationLoss = Validation?.Loss ?? double.NaN,
            ValidationTop1 = Validation?.Top1 ?? double.NaN,
            Label = Step.Name,
        };

    private double Mean(Func<LvwPassMetrics, double> value) => Training is { } t ? value(t) : double.NaN;
}
