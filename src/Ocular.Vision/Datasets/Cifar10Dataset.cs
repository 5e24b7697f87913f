namespace Ocular.Vision.Datasets;

/// <summary>
/// CIFAR-10, binary version (<c>cifar-10-batches-bin</c>): <c>data_batch_1.bin</c> … <c>data_batch_5.bin</c>
/// for training and <c>test_batch.bin</c> for testing, each a sequence of 3073-byte records (a label byte
/// 0–9, then the 32×32 image as 1024 red, 1024 green and 1024 blue bytes). Class names come from
/// <c>batches.meta.txt</c> when present. Images are uint8 <c>[3, 32, 32]</c>.
/// </summary>
public sealed class Cifar10Dataset : IImageDataset
{
    /// <summary>The class names of CIFAR-10, in label order.</summary>
    public static readonly IReadOnlyList<string> DefaultClassNames =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    private readonly CifarBinary _data;

    /// <summary>Opens the training or test batches.</summary>
    /// <param name="root">The folder holding the <c>.bin</c> files, or its parent holding <c>cifar-10-batches-bin</c>.</param>
    /// <param name="train">The five training batches when true, the test batch when false.</param>
    /// <exception cref="DatasetException">A file is missing or of the wrong size, or a label is out of range.</exception>
    public Cifar10Dataset(string root, bool train = true)
    {
        Directory = DatasetChecks.Directory(root, "CIFAR-10");
        var nested = Path.Combine(Directory, "cifar-10-batches-bin");
        if (!File.Exists(Path.Combine(Directory, "test_batch.bin")) && System.IO.Directory.Exists(nested)) Directory = nested;
        var names = train ? Enumerable.Range(1, 5).Select(i => $"data_batch_{i}.bin") : ["test_batch.bin"];
        _data = new CifarBinary(names.Select(n => BinaryFiles.Find(Directory, "CIFAR-10", n)), labelBytes: 1, labelByte: 0, classes: 10);
        ClassNames = BinaryFiles.ClassNames(Path.Combine(Directory, "batches.meta.txt"), DefaultClassNames);
    }

    /// <summary>The folder holding the batch files.</summary>
    public string Directory { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> ClassNames { get; }

    /// <inheritdoc />
    public int Count => _data.Count;

    /// <inheritdoc />
    public Sample Get(int index)
    {
        DatasetChecks.Index(index, Count, $"CIFAR-10 in '{Directory}'");
        return new Sample(_data.Image(index), _data.Label(index), index);
    }
}
