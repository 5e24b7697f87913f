namespace Ocular.Vision.Training;

/// <summary>
/// A training run stopped by an error after it had started (a libtorch error, running out of memory, an unreadable
/// file). The run directory's <c>last.ocular</c> is intact (it is only ever replaced atomically); the message names
/// it, its epoch, and the command that resumes the run.
/// </summary>
public sealed class TrainingInterruptedException : Exception
{
    /// <summary>Creates the exception for the run in <paramref name="runDirectory"/> whose last complete epoch is <paramref name="epoch"/>.</summary>
    /// <param name="runDirectory">The run directory.</param>
    /// <param name="epoch">The epoch of its last complete checkpoint.</param>
    /// <param name="inner">The error.</param>
    /// <param name="command">The <c>ocular train</c> subcommand that resumes the run (<c>classifier</c>, <c>l-cam</c>).</param>
    public TrainingInterruptedException(string runDirectory, int epoch, Exception inner, string command = "classifier")
        : base($"{inner.Message.Split('\n')[0].Trim()}; the last complete checkpoint is {Path.Combine(runDirectory, "last.ocular")} (epoch {epoch}); " +
               $"resume with: ocular train {command} --resume {runDirectory}", inner)
    {
        RunDirectory = runDirectory;
        Epoch = epoch;
    }

    /// <summary>The run directory.</summary>
    public string RunDirectory { get; }

    /// <summary>The epoch of the last complete checkpoint.</summary>
    public int Epoch { get; }
}
