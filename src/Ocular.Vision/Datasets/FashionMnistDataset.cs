namespace Ocular.Vision.Datasets;

/// <summary>
/// Fashion-MNIST from its IDX files (the same names and format as MNIST, optionally gzipped). By default
/// it reads the directory of Debian's <c>dataset-fashion-mnist</c> package. Images are uint8 <c>[1, 28, 28]</c>.
/// </summary>
public sealed class FashionMnistDataset : IImageDataset
{
    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package installs the files.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>Fashion-MNIST's class names (as torchvision names them).</summary>
    public static readonly IReadOnlyList<string> DefaultClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    private readonly IdxImageSet _data;

    /// <summary>Reads the training or test files of <paramref name="root"/> (<see cref="DefaultDirectory"/> when null).</summary>
    /// <exception cref="DatasetException">A file is missing, has a bad magic number or size, a label is out of range, or the numbers of images and labels differ.</exception>
    public FashionMnistDataset(string? root = null, bool train = true)
    {
        Directory = DatasetChecks.Directory(root ?? DefaultDirectory, "Fashion-MNIST");
        _data = new IdxImageSet(Directory, "Fashion-MNIST", train, DefaultClassNames.Count);
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
        DatasetChecks.Index(index, Count, $"Fashion-MNIST in '{Directory}'");
        return new Sample(_data.Image(index), _data.Label(index), index);
    }
}
