using System.IO.Compression;
using System.Text;
using Ocular.Torch.Serialization.Pickle;

namespace Ocular.Torch.Serialization.Pth;

/// <summary>
/// The zip format of <c>torch.save</c> (PyTorch ≥ 1.6): an archive whose entries share one folder
/// name, the archive name — <c>&lt;archive&gt;/data.pkl</c> (the pickle), <c>&lt;archive&gt;/data/&lt;key&gt;</c>
/// (the raw bytes of each storage), <c>&lt;archive&gt;/version</c> and, since PyTorch 2.0,
/// <c>&lt;archive&gt;/byteorder</c> (<c>little</c> or <c>big</c>). As <c>torch.load</c>'s
/// <c>PyTorchFileReader</c>, the archive name is the folder of the first entry.
/// </summary>
internal static class ZipFormat
{
    /// <summary>True when the stream starts like a zip archive (a local file header, <c>PK\x03\x04</c>).</summary>
    public static bool Sniff(ReadOnlySpan<byte> head) => head.Length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;

    /// <summary>Reads the object graph of a zip-format file, tensors materialised.</summary>
    public static object? Load(Stream file, string path)
    {
        using var zip = Open(file, path);
        var entries = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
        foreach (var e in zip.Entries) entries.TryAdd(e.FullName, e);
        if (zip.Entries.Count == 0) throw new InvalidDataException($"{path}: the zip archive is empty, not a torch.save file");
        var first = zip.Entries[0].FullName;
        var slash = first.IndexOf('/');
        if (slash <= 0) throw new InvalidDataException($"{path}: not a torch.save archive (its first entry '{first}' is not inside an archive folder)");
        var archive = first[..slash];

        if (entries.ContainsKey($"{archive}/constants.pkl") || entries.Keys.Any(k => k.StartsWith($"{archive}/code/", StringComparison.Ordinal)))
            throw new InvalidDataException($"{path}: this is a TorchScript archive (torch.jit.save), not a torch.save file; Ocular reads state dicts saved with torch.save(model.state_dict(), ...)");
        var pklName = $"{archive}/data.pkl";
        if (!entries.TryGetValue(pklName, out var pklEntry))
            throw new InvalidDataException($"{path}: the archive has no '{pklName}' record, so it is not a torch.save file (or it is truncated)");

        var swap = ReadByteOrder(entries, archive, path) != BitConverter.IsLittleEndian;
        using var pkl = new MemoryStream(ReadAll(pklEntry, path));
        var storages = new StorageTable();
        var graph = new Unpickler(pkl, $"{path} ({pklName})", TorchAllowList.Instance, storages.Load).Load();
        return TensorMaterializer.Materialize(graph, storages.Roots, root => ReadStorage(entries, archive, root, swap, path), path);
    }

    private static ZipArchive Open(Stream file, string path)
    {
        try
        {
            return new ZipArchive(file, ZipArchiveMode.Read, leaveOpen: true, Encoding.UTF8);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: the zip archive is truncated or corrupt ({e.Message})", e);
        }
    }

    // True for little-endian data (the only order before the byteorder record existed).
    private static bool ReadByteOrder(Dictionary<string, ZipArchiveEntry> entries, string archive, string path)
    {
        if (!entries.TryGetValue($"{archive}/byteorder", out var entry)) return true;
        var text = Encoding.ASCII.GetString(ReadAll(entry, path)).Trim();
        return text switch
        {
            "little" => true,
            "big" => false,
            _ => throw new InvalidDataException($"{path}: the record '{archive}/byteorder' says '{text}', expected 'little' or 'big'"),
        };
    }

    private static Tensor ReadStorage(Dictionary<string, ZipArchiveEntry> entries, string archive, StorageRef root, bool swap, string path)
    {
        var name = $"{archive}/data/{root.Key}";
        if (!entries.TryGetValue(name, out var entry))
            throw new InvalidDataException($"{path}: the storage record '{name}' is missing from the archive");
        var needed = checked(root.NumEl * root.DType.ElementSize());
        if (entry.Length < needed)
            throw new InvalidDataException($"{path}: the storage record '{name}' holds {entry.Length} bytes but {root.NumEl} × {root.DType.TorchName()} needs {needed}: the file is truncated or corrupt");
        try
        {
            using var stream = entry.Open();
            return TensorBytes.Read(stream, root.DType, [root.NumEl], swap);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
        {
            throw new InvalidDataException($"{path}: the storage record '{name}' cannot be read: the file is truncated or corrupt ({e.Message})", e);
        }
    }

    private static byte[] ReadAll(ZipArchiveEntry entry, string path)
    {
        if (entry.Length > int.MaxValue) throw new InvalidDataException($"{path}: the record '{entry.FullName}' is larger than 2 GiB");
        try
        {
            using var stream = entry.Open();
            var bytes = new byte[entry.Length];
            stream.ReadExactly(bytes);
            return bytes;
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
        {
            throw new InvalidDataException($"{path}: the record '{entry.FullName}' cannot be read: the file is truncated or corrupt ({e.Message})", e);
        }
    }
}
