namespace Ocular.Vision.Datasets;

/// <summary>
/// A data set that cannot be used as it is on disk: a missing directory or file, an empty class
/// folder, a bad magic number, a file of the wrong size, a label out of range, or numbers of images
/// and labels that do not match. The message names the file and what was expected.
/// </summary>
public class DatasetException : IOException
{
    /// <summary>Creates the exception for the file or directory <paramref name="path"/>.</summary>
    public DatasetException(string message, string? path = null, Exception? inner = null) : base(message, inner) => Path = path;

    /// <summary>The file or directory at fault, when there is one.</summary>
    public string? Path { get; }
}

/// <summary>
/// One sample's file could not be read or decoded (a corrupt or truncated image, a file deleted
/// after the data set was listed). The data loader stops on it by default, or skips it under
/// <see cref="Ocular.Vision.Data.BadFilePolicy.Skip"/>.
/// </summary>
public sealed class BadFileException : DatasetException
{
    /// <summary>Creates the exception for sample <paramref name="index"/> stored in <paramref name="path"/>.</summary>
    public BadFileException(string path, int index, Exception inner)
        : base($"cannot read sample {index} from '{path}': {inner.Message}", path, inner) => Index = index;

    /// <summary>The index of the sample in its data set.</summary>
    public int Index { get; }
}
