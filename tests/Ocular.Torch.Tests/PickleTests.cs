using System.Numerics;
using Ocular.Torch.Serialization;
using Ocular.Torch.Serialization.Pickle;
using Ocular.Torch.Serialization.Pth;

namespace Ocular.Torch.Tests;

/// <summary>The restricted unpickler: values from Python's own pickles, refusals and corrupt input.</summary>
public class PickleTests
{
    private static object? Unpickle(byte[] bytes, IPickleGlobals? globals = null) =>
        new Unpickler(new MemoryStream(bytes), "test.pkl", globals ?? TorchAllowList.Instance).Load();

    private static OrderedDictionary<object, object?> Dict(object? v) => Assert.IsType<OrderedDictionary<object, object?>>(v);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void ReadsPlainValuesPickledByPython(int protocol)
    {
        var d = Dict(Unpickle(File.ReadAllBytes(Fixtures.Path("serialization", "pickles", $"plain_p{protocol}.bin"))));
        Assert.Equal(7L, d["int"]);
        Assert.Equal(-300L, d["neg"]);
        Assert.Equal(65535L, d["i16"]);
        Assert.Equal(2147483647L, d["i32"]);
        Assert.Equal(-2147483648L, d["i32neg"]);
        Assert.Equal(BigInteger.Pow(2, 70), d["big"]);
        Assert.Equal(-BigInteger.Pow(2, 65), d["nbig"]);
        Assert.Equal(0.1, d["float"]);
        Assert.Equal("h\u00e9llo \u2713", d["str"]);
        Assert.Equal("", d["empty"]);
        Assert.Equal(new byte[] { 0x00, 0xff }, d["bytes"]);
        Assert.Null(d["none"]);
        Assert.Equal(true, d["t"]);
        Assert.Equal(false, d["f"]);

        var list = Assert.IsType<List<object?>>(d["list"]);
        Assert.Equal(3, list.Count);
        Assert.Equal(1L, list[0]);
        Assert.Equal(new List<object?> { 2L, 3L }, Assert.IsType<List<object?>>(list[1]));
        Assert.Empty(Assert.IsType<object?[]>(list[2]));
        Assert.Equal(new object?[] { 1L }, d["tuple1"]);
        Assert.Equal(new object?[] { 1L, 2L, 3L }, d["tuple3"]);
        Assert.Equal(new object?[] { 1L, 2L, 3L, 4L, 5L }, d["tuple5"]);
        Assert.Equal(1.5, Assert.IsType<List<object?>>(Dict(Dict(d["nested"])["a"])["b"])[0]);

        // The memo makes one list object appear twice, as in Python.
        var shared = Assert.IsType<List<object?>>(d["shared"]);
        Assert.Same(shared[0], shared[1]);

        var ordered = Dict(d["ordered"]);
        Assert.Equal(new object[] { "z", "a" }, ordered.Keys.ToArray());
        Assert.Equal(new object?[] { 1L, 2L }, ordered.Values.ToArray());
        Assert.Equal(new object[] { "int", "neg", "i16", "i32", "i32neg", "big", "nbig", "float", "str", "empty", "bytes", "none", "t", "f",
                                    "list", "tuple1", "tuple3", "tuple5", "nested", "shared", "ordered" }, d.Keys.ToArray());
    }

    [Fact]
    public void ReadsSetsTupleKeysAndMemoize()
    {
        // Protocol 4: FRAME, EMPTY_SET + ADDITEMS, MEMOIZE/BINGET, a tuple as a dict key.
        var bytes = new PickleBuilder().Proto(4).Op(0x95).Op(BitConverter.GetBytes(0L))
            .EmptyDict().Op(0x94)
            .Mark().Int(1).Int(2).Tuple().Str("pair").SetItem()
            .ShortStr("set").Op(0x8f).Op(0x94).Mark().Int(3).Int(3).Int(4).Op(0x90).SetItem()
            .ShortStr("again").Op((byte)'h', 0).SetItem()
            .Stop().ToArray();
        var d = Dict(Unpickle(bytes));
        Assert.Equal("pair", d[new object?[] { 1L, 2L }]);
        var set = Assert.IsType<HashSet<object?>>(d["set"]);
        Assert.True(set.SetEquals([3L, 4L]));
        Assert.Same(d, d["again"]);
    }

    [Theory]
    [InlineData("posix", "system")]
    [InlineData("os", "system")]
    [InlineData("builtins", "eval")]
    [InlineData("subprocess", "Popen")]
    [InlineData("numpy.core.multiarray", "_reconstruct")]
    [InlineData("argparse", "Namespace")]
    public void RefusesGlobalsOutsideTheAllowListByName(string module, string name)
    {
        var bytes = new PickleBuilder().Proto(2).Global(module, name).Str("echo pwned").Op(0x85).Reduce().Stop().ToArray();
        var e = Assert.Throws<UnsafePickleException>(() => Unpickle(bytes));
        Assert.Equal($"{module}.{name}", e.Global);
        Assert.Contains($"'{module}.{name}'", e.Message);
        Assert.Contains("test.pkl", e.Message);
        // Refused at the GLOBAL opcode (offset 2), before any argument or call is read.
        Assert.Contains("offset 2", e.Message);
    }

    [Fact]
    public void RefusesStackGlobalAndNamesIt()
    {
        var bytes = new PickleBuilder().Proto(4).ShortStr("os").ShortStr("system").Op(0x93).ShortStr("id").Op(0x85).Reduce().Stop().ToArray();
        var e = Assert.Throws<UnsafePickleException>(() => Unpickle(bytes));
        Assert.Equal("os.system", e.Global);
    }

    [Fact]
    public void RefusalOfAModelClassAdvisesSavingTheStateDict()
    {
        var bytes = new PickleBuilder().Proto(2).Global("torchvision.models.resnet", "ResNet").Stop().ToArray();
        var e = Assert.Throws<UnsafePickleException>(() => Unpickle(bytes));
        Assert.Contains("model.state_dict()", e.Message);
    }

    [Fact]
    public void UnknownOpcodeIsReportedInHexWithItsOffset()
    {
        var bytes = new PickleBuilder().Proto(2).EmptyDict().Op(0xff).Stop().ToArray();
        var e = Assert.Throws<InvalidDataException>(() => Unpickle(bytes));
        Assert.Contains("unknown opcode 0xFF", e.Message);
        Assert.Contains("offset 3", e.Message);
        Assert.Contains("test.pkl", e.Message);
    }

    [Fact]
    public void TruncatedPickleIsReported()
    {
        var full = new PickleBuilder().Proto(2).Str("a long enough string").Stop().ToArray();
        var e = Assert.Throws<InvalidDataException>(() => Unpickle(full[..10]));
        Assert.Contains("truncated", e.Message);
        var noStop = Assert.Throws<InvalidDataException>(() => Unpickle(full[..^1]));
        Assert.Contains("before its STOP", noStop.Message);
    }

    [Theory]
    [InlineData(new byte[] { 0x80, 2, (byte)'s', (byte)'.' }, "stack underflow")]                 // SETITEM on an empty stack
    [InlineData(new byte[] { 0x80, 2, (byte)'h', 5, (byte)'.' }, "memo entry 5")]                  // BINGET before BINPUT
    [InlineData(new byte[] { 0x80, 2, (byte)'e', (byte)'.' }, "needs a MARK")]                     // APPENDS without MARK
    [InlineData(new byte[] { 0x80, 2, (byte)'K', 1, (byte)')', (byte)'R', (byte)'.' }, "not callable")] // 1()
    [InlineData(new byte[] { 0x80, 2, 0x82, 1, (byte)'.' }, "extension-registry")]                 // EXT1
    [InlineData(new byte[] { 0x80, 9, (byte)'.' }, "protocol 9")]
    [InlineData(new byte[] { 0x80, 2, (byte)'}', (byte)'K', 1, (byte)'a', (byte)'.' }, "not a list")]
    public void CorruptPicklesGiveClearErrors(byte[] bytes, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => Unpickle(bytes));
        Assert.Contains(expected, e.Message);
        Assert.Contains("test.pkl", e.Message);
    }

    [Fact]
    public void PersistentIdWithoutALoaderIsAnError()
    {
        var bytes = new PickleBuilder().Proto(2).Str("x").BinPersId().Stop().ToArray();
        var e = Assert.Throws<InvalidDataException>(() => Unpickle(bytes));
        Assert.Contains("persistent", e.Message);
    }

    [Fact]
    public void AllowedGlobalsBuildPlainValues()
    {
        // torch dtypes, torch.device, torch.Size and bytes through _codecs.encode.
        var bytes = new PickleBuilder().Proto(2).Mark()
            .Global("torch", "bfloat16")
            .Global("torch", "device").Mark().Str("cuda").Int(1).Tuple().Reduce()
            .Global("torch", "Size").Mark().IntTuple(2, 3).Tuple().Reduce()
            .Global("_codecs", "encode").Mark().Str("\u00ff\u0001").Str("latin1").Tuple().Reduce()
            .Tuple().Stop().ToArray();
        var t = Assert.IsType<object?[]>(Unpickle(bytes));
        Assert.Equal(ScalarType.BFloat16, t[0]);
        Assert.Equal("cuda:1", t[1]);
        Assert.Equal(new object?[] { 2L, 3L }, t[2]);
        Assert.Equal(new byte[] { 0xff, 0x01 }, t[3]);
    }

    [Fact]
    public void RebuildOutsideItsStorageIsRefused()
    {
        var storages = new StorageTable();
        // A 2x3 view of a 4-element storage would read past its end.
        var bytes = new PickleBuilder().Proto(2).RebuildTensor("FloatStorage", "0", 4, 0, [2, 3], [3, 1]).Stop().ToArray();
        var e = Assert.Throws<InvalidDataException>(() => new Unpickler(new MemoryStream(bytes), "test.pkl", TorchAllowList.Instance, storages.Load).Load());
        Assert.Contains("does not fit its storage '0'", e.Message);
        Assert.Contains("_rebuild_tensor_v2", e.Message);
    }

    [Fact]
    public void UnsupportedStorageTypeIsNamed()
    {
        var storages = new StorageTable();
        var bytes = new PickleBuilder().Proto(2).RebuildTensor("ComplexFloatStorage", "0", 4, 0, [4], [1]).Stop().ToArray();
        var e = Assert.Throws<UnsafePickleException>(() => new Unpickler(new MemoryStream(bytes), "test.pkl", TorchAllowList.Instance, storages.Load).Load());
        Assert.Equal("torch.ComplexFloatStorage", e.Global);
        Assert.Contains("storage type is not supported", e.Message);
    }
}
