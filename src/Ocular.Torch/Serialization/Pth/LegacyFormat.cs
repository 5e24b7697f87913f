using System.Buffers.Binary;
using System.Numerics;
using Ocular.Torch.Serialization.Pickle;

namespace Ocular.Torch.Serialization.Pth;

/// <summary>
/// The legacy format of <c>torch.save</c> (PyTorch 0.4 – 1.5, and later with
/// <c>_use_new_zipfile_serialization=False</c>; e.g. the older torchvision model-zoo files), read as
/// <c>torch.serialization._legacy_load</c> does: five pickles in a row — the magic number
/// 0x1950a86a20f9469cfc6c, the protocol version 1001, a sys-info dict (byte order), the object, and
/// the list of storage keys — followed, for each key in that order, by an int64 element count and
/// the storage's raw bytes.
/// </summary>
internal static class LegacyFormat
{
    private static readonly BigInteger Magic = BigInteger.Parse("1950a86a20f9469cfc6c", System.Globalization.NumberStyles.HexNumber);
    private const long ProtocolVersion = 1001;

    /// <summary>True when the stream starts like a protocol-2 pickle of the magic number.</summary>
    public static bool Sniff(ReadOnlySpan<byte> head) => head.Length >= 3 && head[0] == 0x80 && head[1] == 2 && head[2] == 0x8a;

    /// <summary>Reads the object graph of a legacy-format file, tensors materialised.</summary>
    public static object? Load(Stream file, string path)
    {
        var plain = new Unpickler(file, path, TorchAllowList.Instance);
        if (plain.Load() is not BigInteger magic || magic != Magic)
            throw new InvalidDataException($"{path}: not a PyTorch file (the legacy-format magic number is missing)");
        if (plain.Load() is not long version || version != ProtocolVersion)
            throw new InvalidDataException($"{path}: unsupported legacy torch.save protocol version (expected {ProtocolVersion})");
        var little = plain.Load() is OrderedDictionary<object, object?> sysInfo && sysInfo.TryGetValue("little_endian", out var le) && le is false ? false : true;

        var storages = new StorageTable();
        var graph = new Unpickler(file, path, TorchAllowList.Instance, storages.Load).Load();
        if (plain.Load() is not List<object?> keyList || keyList.Any(k => k is not string))
            throw new InvalidDataException($"{path}: the legacy storage-key list is missing or malformed");
        var order = new List<StorageRef>();
        foreach (var key in keyList.Cast<string>())
            order.Add(storages.Find(key) ?? throw new InvalidDataException($"{path}: the storage key '{key}' is listed but no tensor declares it"));
        var swap = little != BitConverter.IsLittleEndian;
        return TensorMaterializer.Materialize(graph, order, root => ReadStorage(file, root, swap, path), path);
    }

    private static Tensor ReadStorage(Stream file, StorageRef root, bool swap, string path)
    {
        try
        {
            Span<byte> header = stackalloc byte[8];
            file.ReadExactly(header);
            var numel = swap ? BinaryPrimitives.ReadInt64BigEndian(header) : BinaryPrimitives.ReadInt64LittleEndian(header);
            if (numel != root.NumEl)
                throw new InvalidDataException($"{path}: storage '{root.Key}' records {numel} elements but the pickle declares {root.NumEl}: the file is corrupt");
            var needed = checked(numel * root.DType.ElementSize());
            if (needed > file.Length - file.Position)
                throw new InvalidDataException($"{path}: storage '{root.Key}' needs {needed} bytes but only {file.Length - file.Position} remain: the file is truncated");
            return TensorBytes.Read(file, root.DType, [numel], swap);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{path}: the data of storage '{root.Key}' is truncated", e);
        }
    }
}
