using System.IO.Compression;
using System.Text;

namespace Ocular.Torch.Tests;

/// <summary>Writes pickles opcode by opcode, to craft hostile or corrupt inputs in tests.</summary>
internal sealed class PickleBuilder
{
    private readonly MemoryStream _bytes = new();

    public PickleBuilder Op(params byte[] bytes)
    {
        _bytes.Write(bytes);
        return this;
    }

    public PickleBuilder Proto(int p) => Op(0x80, (byte)p);
    public PickleBuilder Global(string module, string name) => Op((byte)'c').Op(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));
    public PickleBuilder Mark() => Op((byte)'(');
    public PickleBuilder Tuple() => Op((byte)'t');
    public PickleBuilder EmptyTuple() => Op((byte)')');
    public PickleBuilder EmptyDict() => Op((byte)'}');
    public PickleBuilder EmptyList() => Op((byte)']');
    public PickleBuilder SetItem() => Op((byte)'s');
    public PickleBuilder SetItems() => Op((byte)'u');
    public PickleBuilder Reduce() => Op((byte)'R');
    public PickleBuilder BinPersId() => Op((byte)'Q');
    public PickleBuilder False() => Op(0x89);
    public PickleBuilder Stop() => Op((byte)'.');

    public PickleBuilder Int(long v)
    {
        if (v is >= 0 and < 256) return Op((byte)'K', (byte)v);
        var b = BitConverter.GetBytes((int)v);
        return Op((byte)'J').Op(b);
    }

    public PickleBuilder Str(string s)
    {
        var b = Encoding.UTF8.GetBytes(s);
        return Op((byte)'X').Op(BitConverter.GetBytes(b.Length)).Op(b);
    }

    public PickleBuilder ShortStr(string s)
    {
        var b = Encoding.UTF8.GetBytes(s);
        return Op(0x8c, (byte)b.Length).Op(b);
    }

    public PickleBuilder IntTuple(params long[] values)
    {
        Mark();
        foreach (var v in values) Int(v);
        return Tuple();
    }

    /// <summary>
    /// <c>_rebuild_tensor_v2(('storage', torch.&lt;storage&gt;, key, 'cpu', numel), offset, size, stride, False, OrderedDict())</c>,
    /// as torch.save writes it.
    /// </summary>
    public PickleBuilder RebuildTensor(string storage, string key, long numel, long offset, long[] size, long[] stride)
    {
        Global("torch._utils", "_rebuild_tensor_v2").Mark();
        Mark().Str("storage").Global("torch", storage).Str(key).Str("cpu").Int(numel).Tuple().BinPersId();
        Int(offset).IntTuple(size).IntTuple(stride).False().Global("collections", "OrderedDict").EmptyTuple().Reduce();
        return Tuple().Reduce();
    }

    public byte[] ToArray() => _bytes.ToArray();
}

/// <summary>Writes zip archives laid out as torch.save's, or rewrites a fixture with changes.</summary>
internal static class PthArchive
{
    public static void Write(string path, IEnumerable<(string Name, byte[] Data)> entries)
    {
        using var file = File.Create(path);
        using var zip = new ZipArchive(file, ZipArchiveMode.Create);
        foreach (var (name, data) in entries)
        {
            var entry = zip.CreateEntry(name, CompressionLevel.NoCompression);
            using var s = entry.Open();
            s.Write(data);
        }
    }

    /// <summary>A torch.save-like archive named <paramref name="archive"/> with the pickle and storages.</summary>
    public static void Write(string path, string archive, byte[] pickle, params (string Key, byte[] Data)[] storages) =>
        Write(path, new[] { ($"{archive}/data.pkl", pickle) }
            .Concat(storages.Select(s => ($"{archive}/data/{s.Key}", s.Data)))
            .Append(($"{archive}/version", "3\n"u8.ToArray())));

    public static List<(string Name, byte[] Data)> Read(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        return zip.Entries.Select(e =>
        {
            using var s = e.Open();
            using var m = new MemoryStream();
            s.CopyTo(m);
            return (e.FullName, m.ToArray());
        }).ToList();
    }
}
