namespace Ocular.Vision.Training;

/// <summary>One epoch's results: a row of <c>metrics.jsonl</c> / <c>metrics.csv</c>.</summary>
/// <param name="Epoch">The epoch (1-based).</param>
/// <param name="Epochs">The run's number of epochs.</param>
/// <param name="TrainLoss">Mean training cross-entropy (with label smoothing when set) over the epoch's images.</param>
/// <param name="TrainAccuracy">Training accuracy over the epoch (model in training mode, weights changing), in percent.</param>
/// <param name="TestLoss">Mean test cross-entropy (no smoothing).</param>
/// <param name="TestTop1">Test top-1 accuracy, in percent.</param>
/// <param name="TestTop5">Test top-5 accuracy, in percent (100 with five classes or fewer).</param>
/// <param name="LearningRate">The learning rate at the start of the epoch (of the first parameter group).</param>
/// <param name="ImagesPerSecond">Training images per second (loading, forward, backward and optimizer step; not the evaluation).</param>
/// <param name="TrainSeconds">Seconds of training.</param>
/// <param name="Seconds">Seconds of the whole epoch, evaluation included.</param>
/// <param name="IsBest">True when the selection top-1 (validation, or test with <see cref="TrainingOptions.SelectOnTest"/>) improved (and <c>best.ocular</c> was written).</param>
public sealed record EpochMetrics(int Epoch, int Epochs, double TrainLoss, double TrainAccuracy, double TestLoss, double TestTop1, double TestTop5,
    double LearningRate, double ImagesPerSecond, double TrainSeconds, double Seconds, bool IsBest)
{
    /// <summary>Mean cross-entropy on the validation split (NaN when the run selects on the test split).</summary>
    public double ValidationLoss { get; init; } = double.NaN;

    /// <summary>Top-1 accuracy on the validation split, in percent (NaN when the run selects on the test split).</summary>
    public double ValidationTop1 { get; init; } = double.NaN;

    /// <summary>What the row is when it is not a plain epoch (a schedule step such as <c>10push</c>); null for an epoch.</summary>
    public string? Label { get; init; }

    /// <summary>The column names of the metrics files, in order.</summary>
    public static readonly IReadOnlyList<string> Columns =
        ["epoch", "train_loss", "train_accuracy", "val_loss", "val_top1", "test_loss", "test_top1", "test_top5", "lr", "images_per_second", "train_seconds", "epoch_seconds", "best"];

    /// <summary>The row written to the metrics files.</summary>
    public IReadOnlyDictionary<string, object> ToRow() => WithoutMissing(new Dictionary<string, object>
    {
        ["epoch"] = (double)Epoch,
        ["train_loss"] = TrainLoss,
        ["train_accuracy"] = TrainAccuracy,
        ["val_loss"] = ValidationLoss,
        ["val_top1"] = ValidationTop1,
        ["test_loss"] = TestLoss,
        ["test_top1"] = TestTop1,
        ["test_top5"] = TestTop5,
        ["lr"] = LearningRate,
        ["images_per_second"] = ImagesPerSecond,
        ["train_seconds"] = TrainSeconds,
        ["epoch_seconds"] = Seconds,
        ["best"] = IsBest ? 1.0 : 0.0,
    });

    /// <summary>The TensorBoard scalars of the epoch (tag → value).</summary>
    public IReadOnlyDictionary<string, double> Scalars() => WithoutMissing(new Dictionary<string, double>
    {
        ["train/loss"] = TrainLoss,
        ["train/accuracy"] = TrainAccuracy,
        ["val/loss"] = ValidationLoss,
        ["val/top1"] = ValidationTop1,
        ["test/loss"] = TestLoss,
        ["test/top1"] = TestTop1,
        ["test/top5"] = TestTop5,
        ["lr"] = LearningRate,
        ["images_per_second"] = ImagesPerSecond,
    });

    // A run that selects on the test split has no validation figures: its rows leave those columns empty (JSON has no NaN).
    private static Dictionary<string, T> WithoutMissing<T>(Dictionary<string, T> row)
    {
        foreach (var key in row.Where(kv => kv.Value is double d && double.IsNaN(d)).Select(kv => kv.Key).ToList()) row.Remove(key);
        return row;
    }
}
