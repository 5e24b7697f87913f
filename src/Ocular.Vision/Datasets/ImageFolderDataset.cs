using Ocular.Torch;

namespace Ocular.Vision.Datasets;

/// <summary>
/// Images stored one folder per class, as <c>torchvision.datasets.ImageFolder</c> reads them:
/// <c>root/&lt;split&gt;/&lt;class&gt;/**/&lt;image&gt;</c> (the layout the original projects ask for, with
/// <c>train</c> and <c>test</c> splits). Classes are the sub-folder names sorted by ordinal string
/// comparison (Python's <c>sorted</c>); each class's files are found recursively, in the order of
/// torchvision's <c>sorted(os.walk(...))</c> then <c>sorted(filenames)</c>, and kept when their
/// lower-cased name ends with one of the allowed extensions.
/// </summary>
public sealed class ImageFolderDataset : IImageDataset
{
    /// <summary>torchvision's <c>IMG_EXTENSIONS</c>, the default allowed extensions.</summary>
    public static readonly IReadOnlyList<string> DefaultExtensions = [".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp"];

    /// <summary>The default loader: OpenCV decoding to uint8 RGB <c>[3, H, W]</c> (JPEG, PNG, BMP, WebP, TIFF).</summary>
    public static Tensor DefaultLoader(string path) => Images.ImageIO.Read(path, Images.ImageMode.Rgb);

    private readonly Func<string, Tensor> _loader;
    private readonly List<(string Path, int Label)> _samples = [];

    /// <summary>Lists the images of <paramref name="root"/> (or of <c>root/split</c>).</summary>
    /// <param name="root">The data set's root folder.</param>
    /// <param name="loader">Decodes one file into a uint8 <c>[C, H, W]</c> tensor (torchvision's <c>loader=</c>); null: <see cref="Images.ImageIO.Read"/> as RGB.</param>
    /// <param name="split">A sub-folder of <paramref name="root"/> holding the class folders (e.g. <c>train</c>, <c>test</c>), or null when the class folders are directly under <paramref name="root"/>.</param>
    /// <param name="extensions">Allowed file-name endings including the dot (compared case-insensitively); <see cref="DefaultExtensions"/> when null.</param>
    /// <exception cref="DatasetException">The folder does not exist, has no class folder, or a class folder holds no allowed file.</exception>
    public ImageFolderDataset(string root, Func<string, Tensor>? loader = null, string? split = null, IEnumerable<string>? extensions = null)
    {
        _loader = loader ?? DefaultLoader;
        Directory = DatasetChecks.Directory(split is null ? root : System.IO.Path.Combine(root, split), "image folder");
        Extensions = (extensions ?? DefaultExtensions).Select(e => e.ToLowerInvariant()).ToList();
        if (Extensions.Count == 0) throw new ArgumentException("at least one allowed extension is needed", nameof(extensions));

        var classes = new DirectoryInfo(Directory).EnumerateDirectories("*", Walk(recurse: false)).Select(d => d.Name).ToList();
        classes.Sort(StringComparer.Ordinal);
        if (classes.Count == 0) throw new DatasetException($"found no class folder in '{Directory}'", Directory);
        ClassNames = classes;

        var empty = new List<string>();
        for (var label = 0; label < classes.Count; label++)
        {
            var before = _samples.Count;
            foreach (var file in ClassFiles(System.IO.Path.Combine(Directory, classes[label])))
                _samples.Add((file, label));
            if (_samples.Count == before) empty.Add(classes[label]);
        }
        if (empty.Count > 0)
            throw new DatasetException($"found no valid file for the classes {string.Join(", ", empty)} in '{Directory}'. " +
                                       $"Supported extensions are: {string.Join(", ", Extensions)}", System.IO.Path.Combine(Directory, empty[0]));
    }

    /// <summary>The folder holding the class folders.</summary>
    public string Directory { get; }

    /// <summary>The allowed file-name endings (lower case).</summary>
    public IReadOnlyList<string> Extensions { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Every sample's file and label, in index order.</summary>
    public IReadOnlyList<(string Path, int Label)> Samples => _samples;

    /// <inheritdoc />
    public int Count => _samples.Count;

    /// <inheritdoc />
    public Sample Get(int index)
    {
        DatasetChecks.Index(index, Count, $"the image folder '{Directory}'");
        var (path, label) = _samples[index];
        return new Sample(FileLoading.Load(_loader, path, index), label, index, path);
    }

    // torchvision: for root, _, fnames in sorted(os.walk(class_dir, followlinks=True)): for f in sorted(fnames)
    private IEnumerable<string> ClassFiles(string classDirectory)
    {
        var directories = new List<string> { classDirectory };
        directories.AddRange(new DirectoryInfo(classDirectory).EnumerateDirectories("*", Walk(recurse: true)).Select(d => d.FullName));
        directories.Sort(StringComparer.Ordinal);
        foreach (var directory in directories)
        {
            var files = new DirectoryInfo(directory).EnumerateFiles("*", Walk(recurse: false)).Select(f => f.FullName).ToList();
            files.Sort(StringComparer.Ordinal);
            foreach (var file in files)
            {
                var lower = file.ToLowerInvariant();
                if (Extensions.Any(e => lower.EndsWith(e, StringComparison.Ordinal))) yield return file;
            }
        }
    }

    // Hidden entries count (Python's os.scandir sees them); unreadable folders are skipped as os.walk does.
    private static EnumerationOptions Walk(bool recurse) =>
        new() { RecurseSubdirectories = recurse, AttributesToSkip = 0, IgnoreInaccessible = true, MatchType = MatchType.Simple };
}
