namespace Ocular.Vision.Datasets;

/// <summary>
/// A labelled image data set with random access, as a <c>torch.utils.data.Dataset</c> of
/// (image, label) pairs. <see cref="Get"/> must be safe to call from several threads at once
/// (the data loader's workers call it in parallel).
/// </summary>
public interface IImageDataset
{
    /// <summary>The number of samples.</summary>
    int Count { get; }

    /// <summary>The class names; label <c>k</c> names class <c>ClassNames[k]</c>.</summary>
    IReadOnlyList<string> ClassNames { get; }

    /// <summary>
    /// Reads (or generates) sample <paramref name="index"/>: a uint8 <c>[C, H, W]</c> image, its label,
    /// and the masks the data set has. The caller owns and disposes the sample.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is outside <c>[0, Count)</c>.</exception>
    /// <exception cref="BadFileException">The sample's file cannot be read or decoded.</exception>
    Sample Get(int index);
}

/// <summary>Helpers shared by the data sets.</summary>
internal static class DatasetChecks
{
    public static void Index(int index, int count, string dataset)
    {
        if ((uint)index >= (uint)count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"{dataset} has {count} samples; index {index} is out of range");
    }

    public static string Directory(string path, string what)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!System.IO.Directory.Exists(full))
            throw new DatasetException($"{what}: directory '{full}' does not exist", full);
        return full;
    }
}
