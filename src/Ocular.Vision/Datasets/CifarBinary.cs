using Ocular.Torch;

namespace Ocular.Vision.Datasets;

/// <summary>
/// The CIFAR binary format shared by CIFAR-10 and CIFAR-100: records of <c>labelBytes</c> label bytes
/// followed by 3072 pixel bytes (the 1024 red, then green, then blue values of a 32×32 image, rows in order).
/// </summary>
internal sealed class CifarBinary
{
    public const int PixelBytes = 3 * 32 * 32;

    private readonly List<RecordFile> _files = [];
    private readonly List<int> _starts = [];
    private readonly byte[] _labels;

    /// <param name="paths">The batch files, in order.</param>
    /// <param name="labelBytes">Label bytes per record (1 for CIFAR-10, 2 — coarse then fine — for CIFAR-100).</param>
    /// <param name="labelByte">Which label byte is the label.</param>
    /// <param name="classes">The number of classes (labels must be below it).</param>
    public CifarBinary(IEnumerable<string> paths, int labelBytes, int labelByte, int classes)
    {
        LabelBytes = labelBytes;
        var layout = labelBytes == 1 ? "1 label byte + 3072 pixel bytes" : $"{labelBytes} label bytes + 3072 pixel bytes";
        var count = 0;
        foreach (var path in paths)
        {
            var file = new RecordFile(path, labelBytes + PixelBytes, layout);
            _files.Add(file);
            _starts.Add(count);
            count += file.Count;
        }
        Count = count;
        _labels = new byte[count];
        for (var f = 0; f < _files.Count; f++)
        {
            var (file, start) = (_files[f], _starts[f]);
            file.Scan((i, record) =>
            {
                var label = record[labelByte];
                if (label >= classes)
                    throw new DatasetException($"'{file.Path}' record {i}: label {label} is out of range for {classes} classes", file.Path);
                _labels[start + i] = label;
            });
        }
    }

    public int Count { get; }
    public int LabelBytes { get; }

    public int Label(int index) => _labels[index];

    /// <summary>The image of record <paramref name="index"/> as uint8 [3, 32, 32] (already channel-major).</summary>
    public Tensor Image(int index)
    {
        var f = 0;
        while (index >= _starts[f] + _files[f].Count) f++;
        var pixels = new byte[PixelBytes];
        _files[f].Read(index - _starts[f], pixels, LabelBytes);
        return Tensor.FromBytes(pixels, ScalarType.UInt8, [3, 32, 32]);
    }
}
