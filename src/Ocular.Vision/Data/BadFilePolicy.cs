namespace Ocular.Vision.Data;

/// <summary>What the data loader does with a sample whose file cannot be read (a <see cref="Datasets.BadFileException"/>).</summary>
public enum BadFilePolicy
{
    /// <summary>Stop the epoch with the exception, which names the file (the default).</summary>
    Stop,

    /// <summary>
    /// Leave the sample out of its batch (the batch is smaller; a batch left empty is not yielded), count it,
    /// and list it in the epoch's <see cref="EpochReport"/>.
    /// </summary>
    Skip,
}

/// <summary>A sample left out under <see cref="BadFilePolicy.Skip"/>.</summary>
/// <param name="Index">Its index in the data set.</param>
/// <param name="Path">Its file.</param>
/// <param name="Reason">Why it could not be read.</param>
public sealed record SkippedFile(int Index, string? Path, string Reason);

/// <summary>What happened in one epoch of a <see cref="DataLoader"/>, reported when the epoch ends.</summary>
/// <param name="Epoch">The epoch number.</param>
/// <param name="Batches">The batches yielded.</param>
/// <param name="Samples">The samples yielded.</param>
/// <param name="Skipped">The samples left out, in epoch order.</param>
public sealed record EpochReport(int Epoch, int Batches, int Samples, IReadOnlyList<SkippedFile> Skipped)
{
    /// <summary>One line, plus one line per skipped file.</summary>
    public override string ToString()
    {
        var head = $"epoch {Epoch}: {Samples} samples in {Batches} batches, {Skipped.Count} bad files skipped";
        return Skipped.Count == 0 ? head : head + Environment.NewLine +
            string.Join(Environment.NewLine, Skipped.Select(s => $"  skipped sample {s.Index} '{s.Path}': {s.Reason}"));
    }
}
