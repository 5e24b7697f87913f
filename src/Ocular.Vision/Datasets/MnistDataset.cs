namespace Ocular.Vision.Datasets;

/// <summary>
/// MNIST from its IDX files (<c>train-images-idx3-ubyte</c>, <c>train-labels-idx1-ubyte</c>,
/// <c>t10k-images-idx3-ubyte</c>, <c>t10k-labels-idx1-ubyte</c>, each optionally gzipped with a <c>.gz</c>
/// suffix). Images are uint8 <c>[1, 28, 28]</c>; the files are held in memory.
/// </summary>
public sealed class MnistDataset : IImageDataset
{
    /// <summary>torchvision's MNIST class names.</summary>
    public static readonly IReadOnlyList<string> DefaultClassNames =
        ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"];

    private readonly IdxImageSet _data;

    /// <summary>Reads the training or test files of <paramref name="root"/>.</summary>
    /// <exception cref="DatasetException">A file is missing, has a bad magic number or size, a label is out of range, or the numbers of images and labels differ.</exception>
    public MnistDataset(string root, bool train = true)
    {
        Directory = DatasetChecks.Directory(root, "MNIST");
        _data = new IdxImageSet(Directory, "MNIST", train, DefaultClassNames.Count);
    }

    /// <summary>The folder holding the IDX files.</summary>
    public string Directory { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> ClassNames => DefaultClassNames;

    /// <inheritdoc />
    public int Count => _data.Count;

    /// <inheritdoc />
    public Sample Get(int index)
    {
        DatasetChecks.Index(index, Count, $"MNIST in '{Directory}'");
        return new Sample(_data.Image(index), _data.Label(index), index);
    }
}
