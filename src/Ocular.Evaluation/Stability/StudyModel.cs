using Ocular.Vision.Models;
using Ocular.Vision.Training;

namespace Ocular.Evaluation.Stability;

/// <summary>A model of a stability study, as its checkpoint describes it (before its weights are loaded).</summary>
/// <param name="Label">Its short name in tables and messages (unique within the study).</param>
/// <param name="Path">The checkpoint file.</param>
/// <param name="Metadata">The checkpoint's metadata.</param>
public sealed record StudyModel(string Label, string Path, ClassifierMetadata Metadata)
{
    /// <summary>
    /// Resolves what the user named: a checkpoint file, or a training run directory (its <c>best.ocular</c>).
    /// </summary>
    /// <exception cref="FileNotFoundException">Neither a file nor a run directory with <c>best.ocular</c>.</exception>
    public static string ResolveCheckpoint(string fileOrRunDirectory)
    {
        if (File.Exists(fileOrRunDirectory)) return System.IO.Path.GetFullPath(fileOrRunDirectory);
        if (Directory.Exists(fileOrRunDirectory))
        {
            var run = new RunDirectory(fileOrRunDirectory);
            if (File.Exists(run.BestCheckpoint)) return run.BestCheckpoint;
            throw new FileNotFoundException($"{run.Path} is a directory without best.ocular; name a checkpoint file or a training run directory", run.BestCheckpoint);
        }
        throw new FileNotFoundException($"model not found: {fileOrRunDirectory} (expected a .ocular checkpoint or a training run directory)", fileOrRunDirectory);
    }

    /// <summary>
    /// Reads the metadata of every checkpoint and names each model: a run's <c>best.ocular</c>/<c>last.ocular</c> by
    /// its directory, any other file by its name without extension; where names clash, by folder/name, then by the
    /// full path (a file named twice is numbered).
    /// </summary>
    public static IReadOnlyList<StudyModel> Read(IReadOnlyList<string> filesOrRunDirectories)
    {
        var paths = filesOrRunDirectories.Select(ResolveCheckpoint).ToList();
        var labels = paths.Select(Stem).ToList();
        foreach (var longer in new Func<string, string>[] { FolderAndStem, p => p })
        {
            var clashing = labels.Select((l, i) => labels.Count(x => x == l) > 1).ToList();
            for (var i = 0; i < labels.Count; i++)
                if (clashing[i]) labels[i] = longer(paths[i]);
        }
        for (var i = 0; i < labels.Count; i++)
            if (labels.Take(i).Contains(labels[i])) labels[i] += $" ({i + 1})";
        return [.. paths.Select((p, i) => new StudyModel(labels[i], p, ClassifierCheckpoint.ReadMetadata(p)))];
    }

    private static string Stem(string file)
    {
        var stem = System.IO.Path.GetFileNameWithoutExtension(file);
        var dir = System.IO.Path.GetFileName(System.IO.Path.GetDirectoryName(file));
        return stem is "best" or "last" && !string.IsNullOrEmpty(dir) ? dir : stem;
    }

    private static string FolderAndStem(string file) =>
        System.IO.Path.GetFileName(System.IO.Path.GetDirectoryName(file)) + "/" + System.IO.Path.GetFileNameWithoutExtension(file);
}
