namespace Ocular.Vision.Datasets;

/// <summary>
/// CIFAR-100, binary version (<c>cifar-100-binary</c>): <c>train.bin</c> and <c>test.bin</c>, each a sequence
/// of 3074-byte records (the coarse label 0–19, the fine label 0–99, then the 32×32 image as 1024 red,
/// 1024 green and 1024 blue bytes). Class names come from <c>fine_label_names.txt</c> /
/// <c>coarse_label_names.txt</c> when present. Images are uint8 <c>[3, 32, 32]</c>.
/// </summary>
public sealed class Cifar100Dataset : IImageDataset
{
    private readonly CifarBinary _data;

    /// <summary>Opens the training or test file.</summary>
    /// <param name="root">The folder holding <c>train.bin</c>/<c>test.bin</c>, or its parent holding <c>cifar-100-binary</c>.</param>
    /// <param name="train"><c>train.bin</c> when true, <c>test.bin</c> when false.</param>
    /// <param name="coarseLabels">Use the 20 coarse labels (superclasses) instead of the 100 fine labels.</param>
    /// <exception cref="DatasetException">A file is missing or of the wrong size, or a label is out of range.</exception>
    public Cifar100Dataset(string root, bool train = true, bool coarseLabels = false)
    {
        Directory = DatasetChecks.Directory(root, "CIFAR-100");
        var nested = Path.Combine(Directory, "cifar-100-binary");
        if (!File.Exists(Path.Combine(Directory, "test.bin")) && System.IO.Directory.Exists(nested)) Directory = nested;
        var file = BinaryFiles.Find(Directory, "CIFAR-100", train ? "train.bin" : "test.bin");
        _data = new CifarBinary([file], labelBytes: 2, labelByte: coarseLabels ? 0 : 1, classes: coarseLabels ? 20 : 100);
        ClassNames = coarseLabels
            ? BinaryFiles.ClassNames(Path.Combine(Directory, "coarse_label_names.txt"), Cifar100ClassNames.Coarse)
            : BinaryFiles.ClassNames(Path.Combine(Directory, "fine_label_names.txt"), Cifar100ClassNames.Fine);
    }

    /// <summary>The folder holding the data files.</summary>
    public string Directory { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> ClassNames { get; }

    /// <inheritdoc />
    public int Count => _data.Count;

    /// <inheritdoc />
    public Sample Get(int index)
    {
        DatasetChecks.Index(index, Count, $"CIFAR-100 in '{Directory}'");
        return new Sample(_data.Image(index), _data.Label(index), index);
    }
}
