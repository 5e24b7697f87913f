using Ocular.Vision.Training;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Ocular.Cli.Rendering;

/// <summary>
/// Training progress on a terminal: Spectre.Console progress bars for the run and the current epoch (images/s and ETA),
/// with one line per finished epoch printed above them.
/// </summary>
internal sealed class TerminalTrainingProgress(ProgressContext context) : ITrainingProgress
{
    private ProgressTask? _run;
    private ProgressTask? _epoch;
    private ProgressTask? _test;
    private int _trainImages;

    /// <summary>The progress columns: description, bar, percentage, throughput, remaining time.</summary>
    public static ProgressColumn[] Columns =>
        [new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ThroughputColumn(), new RemainingTimeColumn()];

    public void RunStarted(TrainingRunInfo run)
    {
        AnsiConsole.MarkupLine(Markup.Escape(TrainingText.Header(run)));
        _trainImages = run.TrainImages;
        var remaining = run.Options.Epochs - run.StartEpoch;
        _run = context.AddTask($"run (epochs {run.StartEpoch + 1}–{run.Options.Epochs})", maxValue: Math.Max(1, remaining) * (double)run.TrainImages);
    }

    public void Message(string text) => AnsiConsole.MarkupLine("[grey]" + Markup.Escape(text) + "[/]");

    public void EpochStarted(int epoch, int batches)
    {
        _epoch = context.AddTask($"epoch {epoch}", maxValue: _trainImages);
    }

    public void BatchCompleted(TrainingBatchProgress batch)
    {
        if (_epoch is null) return;
        var step = batch.Images - _epoch.Value;
        _epoch.Increment(step);
        _run?.Increment(step);
        _epoch.Description = $"epoch {batch.Epoch} loss {batch.Loss:F4} acc {batch.Accuracy:F1}%";
    }

    public void EvaluationStarted(int epoch, int batches)
    {
        _epoch?.StopTask();
        _test = context.AddTask($"epoch {epoch} test", maxValue: batches);
    }

    public void EvaluationBatchCompleted(int epoch, int batch, int batches) => _test?.Increment(1);

    public void EpochCompleted(EpochMetrics metrics)
    {
        _test?.StopTask();
        if (_epoch is not null) _epoch.Value = _epoch.MaxValue;
        AnsiConsole.MarkupLine(Markup.Escape(TrainingText.Epoch(metrics)));
    }

    /// <summary>Shows a task's speed as images per second (test tasks count batches, so show nothing for them).</summary>
    private sealed class ThroughputColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            task.Description.EndsWith(" test", StringComparison.Ordinal) || task.Speed is not { } speed
                ? new Text("")
                : new Text($"{speed:F0} img/s", new Style(Color.Grey));
    }
}
