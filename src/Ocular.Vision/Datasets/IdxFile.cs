using System.Buffers.Binary;

namespace Ocular.Vision.Datasets;

/// <summary>
/// An IDX file (LeCun's MNIST format), gzipped or not: a magic number <c>00 00 08 d</c> (unsigned bytes,
/// <c>d</c> dimensions), <c>d</c> big-endian int32 sizes, then the bytes in row-major order.
/// </summary>
internal sealed class IdxFile
{
    private IdxFile(string path, int[] dims, byte[] bytes, int offset)
    {
        Path = path;
        Dims = dims;
        Bytes = bytes;
        Offset = offset;
    }

    public string Path { get; }
    public int[] Dims { get; }
    public byte[] Bytes { get; }
    public int Offset { get; }

    /// <summary>The elements of item <paramref name="index"/> (one slice along the first dimension).</summary>
    public ReadOnlySpan<byte> Item(int index)
    {
        var size = ItemSize;
        return Bytes.AsSpan(Offset + index * size, size);
    }

    public int ItemSize => Dims.Skip(1).Aggregate(1, (a, b) => a * b);

    /// <summary>Reads the file, checking the magic number, the number of dimensions and the size.</summary>
    public static IdxFile Read(string path, int expectedDims)
    {
        var bytes = BinaryFiles.ReadAll(path);
        if (bytes.Length < 4 || bytes[0] != 0 || bytes[1] != 0)
            throw new DatasetException($"'{path}' is not an IDX file: bad magic number (expected 00 00 08 {expectedDims:x2})", path);
        if (bytes[2] != 0x08)
            throw new DatasetException($"'{path}': IDX element type 0x{bytes[2]:x2} is not supported (expected 0x08, unsigned byte)", path);
        if (bytes[3] != expectedDims)
            throw new DatasetException($"'{path}': bad magic number 0x{BinaryPrimitives.ReadInt32BigEndian(bytes):x8}, expected {expectedDims} dimensions " +
                                       $"(0x{0x800 + expectedDims:x8})", path);
        var offset = 4 + 4 * expectedDims;
        if (bytes.Length < offset) throw new DatasetException($"'{path}' ends inside its IDX header", path);
        var dims = new int[expectedDims];
        long total = 1;
        for (var d = 0; d < expectedDims; d++)
        {
            dims[d] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * d));
            if (dims[d] < 0) throw new DatasetException($"'{path}': negative IDX size {dims[d]} in dimension {d}", path);
            total *= dims[d];
        }
        if (bytes.Length - offset != total)
            throw new DatasetException($"'{path}' holds {bytes.Length - offset} data bytes, but its header [{string.Join(", ", dims)}] needs {total}", path);
        return new IdxFile(path, dims, bytes, offset);
    }
}

/// <summary>MNIST-style data sets: a pair of IDX files for images and labels per split.</summary>
internal sealed class IdxImageSet
{
    private readonly IdxFile _images;
    private readonly IdxFile _labels;

    public IdxImageSet(string directory, string what, bool train, int classes)
    {
        var prefix = train ? "train" : "t10k";
        _images = IdxFile.Read(BinaryFiles.Find(directory, what, $"{prefix}-images-idx3-ubyte", $"{prefix}-images-idx3-ubyte.gz",
            $"{prefix}-images.idx3-ubyte"), 3);
        _labels = IdxFile.Read(BinaryFiles.Find(directory, what, $"{prefix}-labels-idx1-ubyte", $"{prefix}-labels-idx1-ubyte.gz",
            $"{prefix}-labels.idx1-ubyte"), 1);
        if (_images.Dims[0] != _labels.Dims[0])
            throw new DatasetException($"'{_images.Path}' holds {_images.Dims[0]} images but '{_labels.Path}' holds {_labels.Dims[0]} labels", _labels.Path);
        for (var i = 0; i < _labels.Dims[0]; i++)
        {
            var label = _labels.Item(i)[0];
            if (label >= classes) throw new DatasetException($"'{_labels.Path}' label {i} is {label}, expected 0–{classes - 1}", _labels.Path);
        }
    }

    public int Count => _images.Dims[0];
    public int Height => _images.Dims[1];
    public int Width => _images.Dims[2];

    public int Label(int index) => _labels.Item(index)[0];

    /// <summary>Image <paramref name="index"/> as uint8 [1, H, W].</summary>
    public Ocular.Torch.Tensor Image(int index) =>
        Ocular.Torch.Tensor.FromBytes(_images.Item(index), Ocular.Torch.ScalarType.UInt8, [1, Height, Width]);
}
