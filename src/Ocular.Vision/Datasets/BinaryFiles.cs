using System.IO.Compression;
using Microsoft.Win32.SafeHandles;

namespace Ocular.Vision.Datasets;

/// <summary>Byte-level reading shared by the binary data-set readers (CIFAR, STL-10, IDX).</summary>
internal static class BinaryFiles
{
    /// <summary>The first of <paramref name="names"/> that exists in <paramref name="directory"/>, or an error naming them all.</summary>
    public static string Find(string directory, string what, params string[] names)
    {
        foreach (var name in names)
        {
            var path = Path.Combine(directory, name);
            if (File.Exists(path)) return path;
        }
        throw new DatasetException($"{what}: none of {string.Join(", ", names)} exists in '{directory}'", Path.Combine(directory, names[0]));
    }

    /// <summary>The whole file, gunzipped when it starts with the gzip magic bytes (1f 8b).</summary>
    public static byte[] ReadAll(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 2 || bytes[0] != 0x1f || bytes[1] != 0x8b) return bytes;
        try
        {
            using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var output = new MemoryStream();
            gzip.CopyTo(output);
            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new DatasetException($"'{path}' is not a valid gzip file: {e.Message}", path, e);
        }
    }

    /// <summary>Class names from a text file (one per non-blank line), or <paramref name="builtIn"/> when the file is absent.</summary>
    public static IReadOnlyList<string> ClassNames(string path, IReadOnlyList<string> builtIn)
    {
        if (!File.Exists(path)) return builtIn;
        var names = File.ReadLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        if (names.Count != builtIn.Count)
            throw new DatasetException($"'{path}' names {names.Count} classes, expected {builtIn.Count}", path);
        return names;
    }
}

/// <summary>
/// A file of fixed-size records (after an optional header), read one record at a time without
/// holding the file in memory; safe to read from several threads (each read opens the file).
/// </summary>
internal sealed class RecordFile
{
    public RecordFile(string path, int recordSize, string layout, long headerSize = 0)
    {
        Path = path;
        RecordSize = recordSize;
        HeaderSize = headerSize;
        if (!File.Exists(path)) throw new DatasetException($"'{path}' does not exist", path);
        var length = new FileInfo(path).Length - headerSize;
        if (length < 0 || length % recordSize != 0)
            throw new DatasetException($"'{path}' has {length + headerSize} bytes, which is not a whole number of {recordSize}-byte records ({layout})", path);
        Count = checked((int)(length / recordSize));
    }

    public string Path { get; }
    public int RecordSize { get; }
    public long HeaderSize { get; }
    public int Count { get; }

    /// <summary>Reads record <paramref name="index"/> into <paramref name="destination"/> (at most one record).</summary>
    public void Read(int index, Span<byte> destination, int offsetInRecord = 0)
    {
        using var handle = File.OpenHandle(Path, FileMode.Open, FileAccess.Read, FileShare.Read);
        ReadExactly(handle, HeaderSize + (long)index * RecordSize + offsetInRecord, destination);
    }

    /// <summary>Calls <paramref name="visit"/> on every record in order (one sequential pass, for label scans).</summary>
    public void Scan(Action<int, ReadOnlySpan<byte>> visit)
    {
        using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        stream.Seek(HeaderSize, SeekOrigin.Begin);
        var record = new byte[RecordSize];
        for (var i = 0; i < Count; i++)
        {
            stream.ReadExactly(record);
            visit(i, record);
        }
    }

    private void ReadExactly(SafeFileHandle handle, long offset, Span<byte> destination)
    {
        while (destination.Length > 0)
        {
            var n = RandomAccess.Read(handle, destination, offset);
            if (n == 0) throw new DatasetException($"'{Path}' ended before offset {offset + destination.Length} (was it truncated?)", Path);
            destination = destination[n..];
            offset += n;
        }
    }
}
