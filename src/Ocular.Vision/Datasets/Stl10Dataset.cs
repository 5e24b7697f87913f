using Ocular.Torch;

namespace Ocular.Vision.Datasets;

/// <summary>The splits of STL-10.</summary>
public enum Stl10Split
{
    /// <summary>The 5,000 labelled training images (<c>train_X.bin</c>, <c>train_y.bin</c>).</summary>
    Train,

    /// <summary>The 8,000 labelled test images (<c>test_X.bin</c>, <c>test_y.bin</c>).</summary>
    Test,

    /// <summary>The 100,000 unlabelled images (<c>unlabeled_X.bin</c>); their label is −1.</summary>
    Unlabeled,
}

/// <summary>
/// STL-10, binary version (<c>stl10_binary</c>): <c>&lt;split&gt;_X.bin</c> holds 96×96 RGB images of 27,648
/// bytes each, every channel stored column-major (as MATLAB writes it); <c>&lt;split&gt;_y.bin</c> holds one
/// label byte per image, 1–10. Labels are returned 0–9 (as torchvision does); class names come from
/// <c>class_names.txt</c> when present. Images are uint8 <c>[3, 96, 96]</c>, read from disk one at a time.
/// </summary>
public sealed class Stl10Dataset : IImageDataset
{
    /// <summary>The class names of STL-10, in label order.</summary>
    public static readonly IReadOnlyList<string> DefaultClassNames =
        ["airplane", "bird", "car", "cat", "deer", "dog", "horse", "monkey", "ship", "truck"];

    private const int Side = 96;
    private readonly RecordFile _images;
    private readonly byte[]? _labels;

    /// <summary>Opens one split.</summary>
    /// <param name="root">The folder holding the <c>.bin</c> files, or its parent holding <c>stl10_binary</c>.</param>
    /// <param name="split">Which images.</param>
    /// <exception cref="DatasetException">A file is missing or of the wrong size, a label is outside 1–10, or the numbers of images and labels differ.</exception>
    public Stl10Dataset(string root, Stl10Split split = Stl10Split.Train)
    {
        Directory = DatasetChecks.Directory(root, "STL-10");
        var nested = Path.Combine(Directory, "stl10_binary");
        if (!File.Exists(Path.Combine(Directory, "class_names.txt")) && !File.Exists(Path.Combine(Directory, "test_X.bin")) &&
            System.IO.Directory.Exists(nested)) Directory = nested;
        Split = split;
        var prefix = split switch { Stl10Split.Train => "train", Stl10Split.Test => "test", _ => "unlabeled" };
        _images = new RecordFile(BinaryFiles.Find(Directory, "STL-10", $"{prefix}_X.bin"), 3 * Side * Side, "3×96×96 bytes per image");
        if (split != Stl10Split.Unlabeled)
        {
            var labelPath = BinaryFiles.Find(Directory, "STL-10", $"{prefix}_y.bin");
            _labels = File.ReadAllBytes(labelPath);
            if (_labels.Length != _images.Count)
                throw new DatasetException($"'{labelPath}' holds {_labels.Length} labels but '{_images.Path}' holds {_images.Count} images", labelPath);
            for (var i = 0; i < _labels.Length; i++)
            {
                if (_labels[i] is < 1 or > 10)
                    throw new DatasetException($"'{labelPath}' label {i} is {_labels[i]}, expected 1–10", labelPath);
            }
        }
        ClassNames = BinaryFiles.ClassNames(Path.Combine(Directory, "class_names.txt"), DefaultClassNames);
    }

    /// <summary>The folder holding the data files.</summary>
    public string Directory { get; }

    /// <summary>The split read.</summary>
    public Stl10Split Split { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> ClassNames { get; }

    /// <inheritdoc />
    public int Count => _images.Count;

    /// <inheritdoc />
    public Sample Get(int index)
    {
        DatasetChecks.Index(index, Count, $"STL-10 {Split} in '{Directory}'");
        var bytes = new byte[_images.RecordSize];
        _images.Read(index, bytes);
        // torchvision: np.transpose(np.reshape(x, (-1, 3, 96, 96)), (0, 1, 3, 2)) — the file is column-major.
        using var columnMajor = Tensor.FromBytes(bytes, ScalarType.UInt8, [3, Side, Side]);
        using var transposed = columnMajor.Transpose(1, 2);
        return new Sample(transposed.Contiguous(), _labels is null ? -1 : _labels[index] - 1, index);
    }
}
