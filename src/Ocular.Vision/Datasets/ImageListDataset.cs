using System.Globalization;
using Ocular.Torch;

namespace Ocular.Vision.Datasets;

/// <summary>
/// Images named by a list file of <c>relative/path label</c> lines under a root folder, as L-CAM's
/// data lists (<c>datalist/ILSVRC/*.txt</c>) name ImageNet images. The label is the last
/// whitespace-separated token of a line (a non-negative integer); the path is the rest, so paths may
/// contain spaces. Blank lines are ignored. Files are not checked at construction; one that cannot be
/// read fails when its sample is read.
/// </summary>
public sealed class ImageListDataset : IImageDataset
{
    private readonly Func<string, Tensor> _loader;
    private readonly List<(string Path, int Label)> _samples = [];

    /// <summary>Reads the list file.</summary>
    /// <param name="root">The folder the paths are relative to.</param>
    /// <param name="listFile">The list file.</param>
    /// <param name="loader">Decodes one file into a uint8 <c>[C, H, W]</c> tensor; null: <see cref="Images.ImageIO.Read"/> as RGB.</param>
    /// <param name="classNames">The class names (labels must be below their count); when null, classes are named
    /// <c>"0"</c>, <c>"1"</c>, … up to the largest label, or up to <paramref name="numClasses"/>−1.</param>
    /// <param name="numClasses">The number of classes when <paramref name="classNames"/> is null (labels must be below it).</param>
    /// <exception cref="DatasetException">The root or list is missing, a line is malformed, a label is out of range, or the list is empty.</exception>
    public ImageListDataset(string root, string listFile, Func<string, Tensor>? loader = null, IReadOnlyList<string>? classNames = null, int? numClasses = null)
    {
        _loader = loader ?? ImageFolderDataset.DefaultLoader;
        Root = DatasetChecks.Directory(root, "image list root");
        ListFile = Path.GetFullPath(listFile);
        if (!File.Exists(ListFile)) throw new DatasetException($"image list '{ListFile}' does not exist", ListFile);
        if (classNames is not null && numClasses is not null && classNames.Count != numClasses)
            throw new ArgumentException($"{classNames.Count} class names for {numClasses} classes");
        var limit = classNames?.Count ?? numClasses;

        var lineNumber = 0;
        foreach (var raw in File.ReadLines(ListFile))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0) continue;
            var split = line.LastIndexOfAny([' ', '\t']);
            var where = $"'{ListFile}' line {lineNumber}";
            if (split < 0) throw new DatasetException($"{where}: expected 'relative/path label', got '{line}'", ListFile);
            var token = line[(split + 1)..];
            if (!int.TryParse(token, NumberStyles.Integer, CultureInfo.InvariantCulture, out var label) || label < 0)
                throw new DatasetException($"{where}: the label '{token}' is not a non-negative integer", ListFile);
            if (label >= limit)
                throw new DatasetException($"{where}: label {label} is out of range for {limit} classes", ListFile);
            _samples.Add((Path.Combine(Root, line[..split].TrimEnd()), label));
        }
        if (_samples.Count == 0) throw new DatasetException($"image list '{ListFile}' names no image", ListFile);
        ClassNames = classNames?.ToList()
                     ?? Enumerable.Range(0, limit ?? _samples.Max(s => s.Label) + 1).Select(k => k.ToString(CultureInfo.InvariantCulture)).ToList();
    }

    /// <summary>The folder the listed paths are relative to (absolute).</summary>
    public string Root { get; }

    /// <summary>The list file (absolute).</summary>
    public string ListFile { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Every sample's file (absolute) and label, in list order.</summary>
    public IReadOnlyList<(string Path, int Label)> Samples => _samples;

    /// <inheritdoc />
    public int Count => _samples.Count;

    /// <inheritdoc />
    public Sample Get(int index)
    {
        DatasetChecks.Index(index, Count, $"the image list '{ListFile}'");
        var (path, label) = _samples[index];
        return new Sample(FileLoading.Load(_loader, path, index), label, index, path);
    }
}
