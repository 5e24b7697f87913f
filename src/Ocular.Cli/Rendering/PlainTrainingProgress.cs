using Ocular.Vision.Training;

namespace Ocular.Cli.Rendering;

/// <summary>Training progress for redirected output (CI logs, files): one line per epoch, flushed.</summary>
internal sealed class PlainTrainingProgress(TextWriter output) : ITrainingProgress
{
    public void RunStarted(TrainingRunInfo run) => Write(TrainingText.Header(run));

    public void Message(string text) => Write(text);

    public void EpochCompleted(EpochMetrics metrics) => Write(TrainingText.Epoch(metrics));

    private void Write(string line)
    {
        output.WriteLine(line);
        output.Flush();
    }
}
