using Ocular.Vision.Training;
using Spectre.Console;

namespace Ocular.Cli.Rendering;

/// <summary>
/// Runs a training with the progress display that suits the output: a Spectre.Console progress bar on a
/// terminal, one plain line per epoch when the output is redirected (CI, files), nothing with <c>quiet</c>.
/// Every training command (<c>train classifier</c>, <c>train l-cam</c>, <c>demo</c>) shows progress this way.
/// </summary>
internal static class TrainingDisplay
{
    /// <summary>Runs <paramref name="train"/> with a progress display and returns its result.</summary>
    public static T Run<T>(bool quiet, Func<ITrainingProgress, T> train)
    {
        if (quiet) return train(SilentTrainingProgress.Instance);
        if (Console.IsOutputRedirected) return train(new PlainTrainingProgress(Console.Out));
        return AnsiConsole.Progress().AutoClear(true).HideCompleted(true).Columns(TerminalTrainingProgress.Columns)
            .Start(context => train(new TerminalTrainingProgress(context)));
    }
}
