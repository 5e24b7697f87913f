using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;
using Op = Ocular.Torch.Serialization.Pickle.PickleOpcodes;

namespace Ocular.Torch.Serialization.Pickle;

/// <summary>
/// A restricted reader of Python pickles (protocols 0–5): the stack machine of CPython's
/// <c>pickle._Unpickler</c>, building only plain .NET values — dictionaries
/// (<c>OrderedDictionary&lt;object, object?&gt;</c>), lists (<c>List&lt;object?&gt;</c>), tuples
/// (<c>object?[]</c>), sets (<c>HashSet&lt;object?&gt;</c>), <c>string</c>, <c>long</c> (or
/// <see cref="BigInteger"/> beyond 64 bits), <c>double</c>, <c>bool</c>, <c>null</c>, <c>byte[]</c> —
/// plus whatever the <see cref="IPickleGlobals"/> allow-list and the persistent-load callback
/// return. A global outside the allow-list raises <see cref="UnsafePickleException"/>; nothing is
/// executed or found by reflection.
/// </summary>
/// <remarks>
/// Not implemented (each is a clear error): the protocol-0 quoted-string opcodes STRING and
/// UNICODE, the extension registry (EXT1/2/4) and out-of-band buffers (NEXT_BUFFER,
/// READONLY_BUFFER). BUILD is accepted only on dictionaries, whose instance state (e.g. a state
/// dict's <c>_metadata</c>) is dropped.
/// </remarks>
internal sealed class Unpickler
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);
    private const int MaxLine = 1 << 16;

    private readonly Stream _in;
    private readonly string _source;
    private readonly IPickleGlobals _globals;
    private readonly Func<object?, object?>? _persistentLoad;
    private readonly List<object?> _stack = [];
    private readonly Stack<int> _marks = new();
    private readonly Dictionary<long, object?> _memo = [];
    private long _opOffset;
    private byte _op;

    /// <summary>Reads pickles from <paramref name="input"/> (seekable) starting at its current position.</summary>
    /// <param name="input">The stream; it is left just after the STOP opcode of each pickle read. Error
    /// messages give offsets in this stream.</param>
    /// <param name="source">The file (and entry) for error messages.</param>
    /// <param name="globals">The allow-list of globals.</param>
    /// <param name="persistentLoad">Resolves persistent ids (PERSID, BINPERSID), as <c>Unpickler.persistent_load</c>.</param>
    public Unpickler(Stream input, string source, IPickleGlobals globals, Func<object?, object?>? persistentLoad = null)
    {
        if (!input.CanSeek) throw new ArgumentException("the unpickler needs a seekable stream", nameof(input));
        _in = input;
        _source = source;
        _globals = globals;
        _persistentLoad = persistentLoad;
    }

    /// <summary>Reads one pickle (up to and including its STOP opcode) and returns its value.</summary>
    public object? Load()
    {
        _stack.Clear();
        _marks.Clear();
        _memo.Clear();
        while (true)
        {
            _opOffset = _in.Position;
            var b = _in.ReadByte();
            if (b < 0) throw Truncated();
            _op = (byte)b;
            if (_op == Op.Stop) return PopValue();
            Step();
        }
    }

    private void Step()
    {
        switch (_op)
        {
            case Op.Proto:
                var protocol = ReadByte();
                if (protocol > Op.HighestProtocol) throw Corrupt($"pickle protocol {protocol} is newer than the highest this reader knows ({Op.HighestProtocol})");
                break;
            case Op.Frame: ReadUInt64(); break; // Frames only group opcodes for buffered reading.
            case Op.Mark: _marks.Push(_stack.Count); break;
            case Op.Pop: if (_stack.Count > Floor) _stack.RemoveAt(_stack.Count - 1); else PopMark(); break;
            case Op.PopMark: PopMark(); break;
            case Op.Dup: Push(PeekValue()); break;

            case Op.None: Push(null); break;
            case Op.NewTrue: Push(true); break;
            case Op.NewFalse: Push(false); break;
            case Op.Int: Push(ParseIntLine(ReadLine())); break;
            case Op.BinInt: Push((long)BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4))); break;
            case Op.BinInt1: Push((long)ReadByte()); break;
            case Op.BinInt2: Push((long)BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2))); break;
            case Op.Long: Push(ParseLongLine(ReadLine())); break;
            case Op.Long1: Push(DecodeLong(ReadBytes(ReadByte()))); break;
            case Op.Long4: Push(DecodeLong(ReadBytes(ReadLength(BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4)))))); break;
            case Op.Float: Push(ParseFloatLine(ReadLine())); break;
            case Op.BinFloat: Push(BinaryPrimitives.ReadDoubleBigEndian(ReadBytes(8))); break;

            case Op.BinUnicode: Push(DecodeUtf8(ReadBytes(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4))))); break;
            case Op.ShortBinUnicode: Push(DecodeUtf8(ReadBytes(ReadByte()))); break;
            case Op.BinUnicode8: Push(DecodeUtf8(ReadBytes(ReadLength(ReadUInt64())))); break;
            // Python 2 str; torch.load decodes it as UTF-8.
            case Op.BinString: Push(DecodeUtf8(ReadBytes(ReadLength(BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4)))))); break;
            case Op.ShortBinString: Push(DecodeUtf8(ReadBytes(ReadByte()))); break;
            case Op.BinBytes: Push(ReadBytes(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4)))); break;
            case Op.ShortBinBytes: Push(ReadBytes(ReadByte())); break;
            case Op.BinBytes8: case Op.ByteArray8: Push(ReadBytes(ReadLength(ReadUInt64()))); break;

            case Op.EmptyTuple: Push(Array.Empty<object?>()); break;
            case Op.Tuple: Push(PopMark().ToArray()); break;
            case Op.Tuple1: { var a = PopValue(); Push(new[] { a }); break; }
            case Op.Tuple2: { var b = PopValue(); var a = PopValue(); Push(new[] { a, b }); break; }
            case Op.Tuple3: { var c = PopValue(); var b = PopValue(); var a = PopValue(); Push(new[] { a, b, c }); break; }
            case Op.EmptyList: Push(new List<object?>()); break;
            case Op.List: Push(PopMark()); break;
            case Op.Append: { var v = PopValue(); TopList().Add(v); break; }
            case Op.Appends: { var items = PopMark(); TopList().AddRange(items); break; }
            case Op.EmptyDict: Push(NewDict()); break;
            case Op.Dict: { var d = NewDict(); SetItems(d, PopMark()); Push(d); break; }
            case Op.SetItem: { var v = PopValue(); var k = PopValue(); SetItemOf(TopDict(), k, v); break; }
            case Op.SetItems: { var items = PopMark(); SetItems(TopDict(), items); break; }
            case Op.EmptySet: Push(new HashSet<object?>(PickleKeyComparer.Instance)); break;
            case Op.AddItems: { var items = PopMark(); if (PeekValue() is HashSet<object?> set) set.UnionWith(items); else throw Corrupt($"ADDITEMS on a {PickleValues.TypeName(PeekValue())}"); break; }
            case Op.FrozenSet: Push(new HashSet<object?>(PopMark(), PickleKeyComparer.Instance)); break;

            case Op.Put: _memo[ParseIndex(ReadLine())] = PeekValue(); break;
            case Op.BinPut: _memo[ReadByte()] = PeekValue(); break;
            case Op.LongBinPut: _memo[BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4))] = PeekValue(); break;
            case Op.Memoize: _memo[_memo.Count] = PeekValue(); break;
            case Op.Get: Push(MemoGet(ParseIndex(ReadLine()))); break;
            case Op.BinGet: Push(MemoGet(ReadByte())); break;
            case Op.LongBinGet: Push(MemoGet(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4)))); break;

            case Op.Global: { var module = ReadLine(); var name = ReadLine(); Push(FindGlobal(module, name)); break; }
            case Op.StackGlobal:
            {
                var name = PopValue();
                var module = PopValue();
                if (module is not string m || name is not string n) throw Corrupt("STACK_GLOBAL needs two strings (module and name)");
                Push(FindGlobal(m, n));
                break;
            }
            case Op.Reduce: { var args = PopValue(); var f = PopValue(); Push(Call(f, AsArgs(args, "REDUCE"))); break; }
            case Op.NewObj: { var args = PopValue(); var cls = PopValue(); Push(Call(cls, AsArgs(args, "NEWOBJ"))); break; }
            case Op.NewObjEx:
            {
                var kwargs = PopValue();
                var args = PopValue();
                var cls = PopValue();
                if (kwargs is IDictionary<object, object?> { Count: > 0 }) throw Corrupt($"NEWOBJ_EX with keyword arguments for {PickleValues.TypeName(cls)} is not supported");
                Push(Call(cls, AsArgs(args, "NEWOBJ_EX")));
                break;
            }
            case Op.Inst: { var module = ReadLine(); var name = ReadLine(); var args = PopMark(); Push(Call(FindGlobal(module, name), [.. args])); break; }
            case Op.Obj: { var items = PopMark(); if (items.Count == 0) throw Corrupt("OBJ without a class"); Push(Call(items[0], [.. items.Skip(1)])); break; }
            case Op.Build: { var state = PopValue(); BuildOn(PeekValue(), state); break; }
            case Op.PersId: Push(PersistentLoad(ReadLine())); break;
            case Op.BinPersId: Push(PersistentLoad(PopValue())); break;

            case Op.String: case Op.Unicode:
                throw Corrupt($"the protocol-0 text opcode '{(char)_op}' ({(_op == Op.Unicode ? "UNICODE" : "STRING")}) is not supported");
            case Op.Ext1: case Op.Ext2: case Op.Ext4:
                throw Corrupt("a global named by an extension-registry code (EXT1/EXT2/EXT4) is refused");
            case Op.NextBuffer: case Op.ReadOnlyBuffer:
                throw Corrupt("out-of-band buffers (NEXT_BUFFER, READONLY_BUFFER) are not supported");
            default:
                throw Corrupt($"unknown opcode 0x{_op:X2}");
        }
    }

    // ------------------------------------------------------------ stack

    private int Floor => _marks.Count > 0 ? _marks.Peek() : 0;

    private void Push(object? value) => _stack.Add(value);

    private object? PopValue()
    {
        if (_stack.Count <= Floor) throw Corrupt($"stack underflow at opcode 0x{_op:X2} ('{(char)_op}')");
        var v = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return v;
    }

    private object? PeekValue()
    {
        if (_stack.Count <= Floor) throw Corrupt($"stack underflow at opcode 0x{_op:X2} ('{(char)_op}')");
        return _stack[^1];
    }

    private List<object?> PopMark()
    {
        if (_marks.Count == 0) throw Corrupt($"opcode 0x{_op:X2} ('{(char)_op}') needs a MARK but none is open");
        var mark = _marks.Pop();
        var items = _stack.GetRange(mark, _stack.Count - mark);
        _stack.RemoveRange(mark, _stack.Count - mark);
        return items;
    }

    private object? MemoGet(long index) =>
        _memo.TryGetValue(index, out var v) ? v : throw Corrupt($"memo entry {index} is read before it is written");

    // ------------------------------------------------------------ containers

    private static OrderedDictionary<object, object?> NewDict() => new(PickleKeyComparer.Instance!);

    private List<object?> TopList() =>
        PeekValue() as List<object?> ?? throw Corrupt($"APPEND/APPENDS on a {PickleValues.TypeName(PeekValue())}, not a list");

    private OrderedDictionary<object, object?> TopDict() =>
        PeekValue() as OrderedDictionary<object, object?> ?? throw Corrupt($"SETITEM/SETITEMS on a {PickleValues.TypeName(PeekValue())}, not a dict");

    private void SetItems(OrderedDictionary<object, object?> dict, List<object?> items)
    {
        if (items.Count % 2 != 0) throw Corrupt("SETITEMS/DICT with an odd number of items");
        for (var i = 0; i < items.Count; i += 2) SetItemOf(dict, items[i], items[i + 1]);
    }

    private void SetItemOf(OrderedDictionary<object, object?> dict, object? key, object? value)
    {
        if (key is null) throw Corrupt("a dict key is None, which this reader does not support");
        dict[key] = value;
    }

    private void BuildOn(object? target, object? state)
    {
        // An OrderedDict's instance attributes (a state dict's `_metadata`: per-module versions)
        // arrive through BUILD; Ocular has no use for them.
        if (target is OrderedDictionary<object, object?>) return;
        throw Corrupt($"BUILD (setting the state) of a {PickleValues.TypeName(target)} is not supported");
    }

    // ------------------------------------------------------------ globals and calls

    private object FindGlobal(string module, string name)
    {
        var value = _globals.Find(module, name);
        if (value is null) throw new UnsafePickleException($"{module}.{name}", _source, _opOffset, _globals.Hint(module, name));
        return value;
    }

    private object?[] AsArgs(object? args, string opcode) =>
        args as object?[] ?? throw Corrupt($"{opcode} needs a tuple of arguments, not a {PickleValues.TypeName(args)}");

    private object? Call(object? callable, object?[] args)
    {
        if (callable is not PickleCallable f) throw Corrupt($"a call of a {PickleValues.TypeName(callable)}, which is not callable");
        try
        {
            return f.Invoke(args);
        }
        catch (Exception e) when (e is InvalidDataException or InvalidCastException or ArgumentException or OverflowException)
        {
            throw new InvalidDataException($"{_source}: {f.Name}(…) at offset {_opOffset}: {e.Message}", e);
        }
    }

    private object? PersistentLoad(object? pid)
    {
        if (_persistentLoad is null) throw Corrupt("a persistent id (PERSID/BINPERSID) but no persistent loader");
        try
        {
            return _persistentLoad(pid);
        }
        catch (Exception e) when (e is InvalidDataException or InvalidCastException or ArgumentException)
        {
            throw new InvalidDataException($"{_source}: persistent id at offset {_opOffset}: {e.Message}", e);
        }
    }

    // ------------------------------------------------------------ reading

    private int ReadByte()
    {
        var b = _in.ReadByte();
        return b < 0 ? throw Truncated() : b;
    }

    private ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(ReadBytes(8));

    private long ReadLength(long n) => n < 0 ? throw Corrupt($"negative length {n}") : n;

    private long ReadLength(ulong n) => n > long.MaxValue ? throw Truncated() : (long)n;

    private byte[] ReadBytes(long n)
    {
        if (n > _in.Length - _in.Position) throw Truncated();
        var bytes = new byte[n];
        _in.ReadExactly(bytes);
        return bytes;
    }

    private string ReadLine()
    {
        var bytes = new List<byte>();
        while (true)
        {
            var b = ReadByte();
            if (b == '\n') break;
            if (bytes.Count >= MaxLine) throw Corrupt("a text argument is longer than 64 KiB (no newline)");
            bytes.Add((byte)b);
        }
        if (bytes.Count > 0 && bytes[^1] == '\r') bytes.RemoveAt(bytes.Count - 1);
        return DecodeUtf8([.. bytes]);
    }

    private string DecodeUtf8(byte[] bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Corrupt("a string is not valid UTF-8");
        }
    }

    private static object DecodeLong(byte[] bytes)
    {
        // Two's complement, little-endian (pickle.decode_long); an empty string is 0.
        var value = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        return value >= long.MinValue && value <= long.MaxValue ? (object)(long)value : value;
    }

    private object ParseIntLine(string line)
    {
        // Protocol 0 spells True and False as I01 and I00.
        if (line == "01") return true;
        if (line == "00") return false;
        return ParseLongLine(line);
    }

    private object ParseLongLine(string line)
    {
        var text = line.EndsWith('L') ? line[..^1] : line;
        if (!BigInteger.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            throw Corrupt($"'{line}' is not an integer");
        return value >= long.MinValue && value <= long.MaxValue ? (object)(long)value : value;
    }

    private double ParseFloatLine(string line) =>
        double.TryParse(line, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : throw Corrupt($"'{line}' is not a float");

    private long ParseIndex(string line) =>
        long.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : throw Corrupt($"'{line}' is not a memo index");

    private InvalidDataException Corrupt(string what) => new($"{_source}: corrupt pickle: {what} (at offset {_opOffset})");

    private InvalidDataException Truncated() =>
        new($"{_source}: the pickle is truncated: it ends before its STOP opcode (reading the opcode at offset {_opOffset})");
}
