using System.Text;
using Ocular.Torch;

namespace Ocular.Evaluation.Sharding;

/// <summary>
/// Writes what one rank sends the others (<see cref="RankPayloads"/>): numbers bit for bit (doubles and floats as their IEEE
/// bits, so that the receiver folds exactly the sender's values), strings, byte blocks and tensors, little-endian. Read it
/// back with <see cref="PayloadReader"/>, in the same order.
/// </summary>
public sealed class PayloadWriter
{
    private readonly MemoryStream _stream = new();
    private readonly BinaryWriter _writer;

    /// <summary>Starts an empty payload.</summary>
    public PayloadWriter() => _writer = new BinaryWriter(_stream, Encoding.UTF8, leaveOpen: true);

    /// <summary>The bytes written so far.</summary>
    public byte[] ToArray()
    {
        _writer.Flush();
        return _stream.ToArray();
    }

    /// <summary>Writes an int.</summary>
    public void Int(int value) => _writer.Write(value);

    /// <summary>Writes a long.</summary>
    public void Long(long value) => _writer.Write(value);

    /// <summary>Writes a double (its bits).</summary>
    public void Double(double value) => _writer.Write(value);

    /// <summary>Writes a bool.</summary>
    public void Bool(bool value) => _writer.Write(value);

    /// <summary>Writes a string or null.</summary>
    public void String(string? value)
    {
        _writer.Write(value is not null);
        if (value is not null) _writer.Write(value);
    }

    /// <summary>Writes a block of bytes.</summary>
    public void Bytes(ReadOnlySpan<byte> value)
    {
        _writer.Write(value.Length);
        _writer.Write(value);
    }

    /// <summary>Writes doubles.</summary>
    public void Doubles(IReadOnlyCollection<double> values)
    {
        _writer.Write(values.Count);
        foreach (var v in values) _writer.Write(v);
    }

    /// <summary>Writes floats.</summary>
    public void Floats(IReadOnlyCollection<float> values)
    {
        _writer.Write(values.Count);
        foreach (var v in values) _writer.Write(v);
    }

    /// <summary>Writes longs.</summary>
    public void Longs(IReadOnlyCollection<long> values)
    {
        _writer.Write(values.Count);
        foreach (var v in values) _writer.Write(v);
    }

    /// <summary>Writes bools.</summary>
    public void Bools(IReadOnlyCollection<bool> values)
    {
        _writer.Write(values.Count);
        foreach (var v in values) _writer.Write(v);
    }

    /// <summary>Writes a CPU tensor: its element type, shape and elements.</summary>
    public void Tensor(Tensor tensor)
    {
        _writer.Write((int)tensor.DType);
        Longs(tensor.Shape);
        Bytes(tensor.ToBytes());
    }
}

/// <summary>Reads a payload written by <see cref="PayloadWriter"/>, in the order it was written.</summary>
public sealed class PayloadReader
{
    private readonly BinaryReader _reader;

    /// <summary>Reads <paramref name="payload"/>.</summary>
    public PayloadReader(byte[] payload) => _reader = new BinaryReader(new MemoryStream(payload, writable: false), Encoding.UTF8);

    /// <summary>Whether everything has been read.</summary>
    public bool AtEnd => _reader.BaseStream.Position == _reader.BaseStream.Length;

    /// <summary>Reads an int.</summary>
    public int Int() => _reader.ReadInt32();

    /// <summary>Reads a long.</summary>
    public long Long() => _reader.ReadInt64();

    /// <summary>Reads a double.</summary>
    public double Double() => _reader.ReadDouble();

    /// <summary>Reads a bool.</summary>
    public bool Bool() => _reader.ReadBoolean();

    /// <summary>Reads a string or null.</summary>
    public string? String() => _reader.ReadBoolean() ? _reader.ReadString() : null;

    /// <summary>Reads a block of bytes.</summary>
    public byte[] Bytes() => _reader.ReadBytes(_reader.ReadInt32());

    /// <summary>Reads doubles.</summary>
    public double[] Doubles() => [.. Enumerable.Range(0, _reader.ReadInt32()).Select(_ => _reader.ReadDouble())];

    /// <summary>Reads floats.</summary>
    public float[] Floats() => [.. Enumerable.Range(0, _reader.ReadInt32()).Select(_ => _reader.ReadSingle())];

    /// <summary>Reads longs.</summary>
    public long[] Longs() => [.. Enumerable.Range(0, _reader.ReadInt32()).Select(_ => _reader.ReadInt64())];

    /// <summary>Reads bools.</summary>
    public bool[] Bools() => [.. Enumerable.Range(0, _reader.ReadInt32()).Select(_ => _reader.ReadBoolean())];

    /// <summary>Reads a tensor (a new CPU tensor the caller owns).</summary>
    public Tensor Tensor()
    {
        var dtype = (ScalarType)_reader.ReadInt32();
        var shape = Longs();
        return Torch.Tensor.FromBytes(Bytes(), dtype, shape);
    }
}
