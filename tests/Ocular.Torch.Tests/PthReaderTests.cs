using Ocular.Torch.Nn;
using Ocular.Torch.Serialization;

namespace Ocular.Torch.Tests;

/// <summary>
/// The restricted .pth reader against files written by torch.save 1.13 (tests/fixtures/serialization/
/// make_pth.py): every tensor must equal the value saved beside it in safetensors, byte for byte.
/// </summary>
public sealed class PthReaderTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string FixturePath(string name) => Fixtures.Path("serialization", name);

    private static readonly string[] ModelKeys =
    [
        "conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked",
        "conv2.weight", "fc.weight", "fc.bias",
        "dtypes.float64", "dtypes.float16", "dtypes.bfloat16", "dtypes.int32", "dtypes.int16", "dtypes.int8", "dtypes.uint8", "dtypes.bool", "dtypes.int64",
        "views.transposed", "views.head", "views.strided", "views.scalar", "views.empty",
    ];

    private static void AssertTinyStateDict(IReadOnlyDictionary<string, Tensor> actual)
    {
        using var expected = Fixtures.Load("serialization", "tiny_state_dict.safetensors");
        // File order is torch's state-dict order.
        Assert.Equal(ModelKeys, actual.Keys.ToArray());
        foreach (var (key, value) in expected.Tensors)
        {
            TensorAssert.Equal(value, actual[key], key);
            Assert.True(actual[key].IsContiguous, $"{key} is not contiguous");
            Assert.Equal(0, actual[key].StorageOffset);
        }
    }

    private static void DisposeAll(IEnumerable<Tensor> tensors)
    {
        foreach (var t in tensors) t.Dispose();
    }

    [Fact]
    public void LoadsAStateDictSavedByTorchSave()
    {
        var sd = PthReader.LoadStateDict(FixturePath("tiny_state_dict.pth"));
        try
        {
            AssertTinyStateDict(sd);
            // Views saved by torch.save come back as compact row-major copies.
            Assert.Equal(new float[] { 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11 }, sd["views.transposed"].ToArray<float>().Select(v => v * 8));
            Assert.Equal(new float[] { 5, 7, 9, 11, 13, 15, 17, 19 }, sd["views.strided"].ToArray<float>().Select(v => v * 8));
            Assert.Equal(new long[] { 4, 2 }, sd["views.strided"].Shape);
            Assert.Equal(ScalarType.Int64, sd["bn1.num_batches_tracked"].DType);
            Assert.Empty(sd["bn1.num_batches_tracked"].Shape);
            Assert.Equal(1L, sd["bn1.num_batches_tracked"].Item<long>());
            Assert.Equal(new long[] { 0, 3 }, sd["views.empty"].Shape);
            Assert.False(sd["conv1.weight"].RequiresGrad);
        }
        finally
        {
            DisposeAll(sd.Values);
        }
    }

    [Fact]
    public void LoadingInsideADisposeScopeLeavesNothingInTheScope()
    {
        // The results belong to the caller, and every intermediate (storages, views) is already freed.
        Dictionary<string, Tensor> sd;
        using (var scope = DisposeScope.Enter())
        {
            sd = PthReader.LoadStateDict(FixturePath("nested_checkpoint.pth"));
            Assert.Equal(0, scope.Count);
        }
        try { AssertTinyStateDict(sd); }
        finally { DisposeAll(sd.Values); }
    }

    [Fact]
    public void LoadsTheLegacyFormat()
    {
        var sd = PthReader.LoadStateDict(FixturePath("tiny_legacy.pth"));
        try { AssertTinyStateDict(sd); }
        finally { DisposeAll(sd.Values); }
    }

    [Fact]
    public void LoadsANestedCheckpointAndReportsTheRest()
    {
        using var checkpoint = PthReader.LoadCheckpoint(FixturePath("nested_checkpoint.pth"));
        AssertTinyStateDict(checkpoint.StateDict);
        Assert.Equal("state_dict", checkpoint.WrapperKey);
        Assert.Null(checkpoint.StrippedPrefix);
        Assert.Equal(3L, checkpoint.Extras["epoch"]);
        Assert.Equal(0.9, checkpoint.Extras["best_acc"]);
        Assert.Equal("tiny", checkpoint.Extras["arch"]);
        Assert.Equal(1L << 40, checkpoint.Extras["big"]);
        Assert.Equal(new List<object?> { 0.5, 0.75, -1.25 }, checkpoint.Extras["history"]);
        Assert.Equal(new object?[] { true, false, null }, checkpoint.Extras["flags"]);
        Assert.Equal(new byte[] { 0, (byte)'o', (byte)'c', (byte)'u', (byte)'l', (byte)'a', (byte)'r', 0xff }, checkpoint.Extras["note"]);
        Assert.Equal(["optimizer"], checkpoint.Skipped);
        Assert.Contains("24 tensors under 'state_dict'", checkpoint.ToString());
        Assert.Contains("epoch=3", checkpoint.ToString());
        Assert.Contains("skipped: optimizer", checkpoint.ToString());
    }

    [Fact]
    public void LoadReturnsTheWholeGraphIncludingOptimizerState()
    {
        var graph = PthReader.Load(FixturePath("nested_checkpoint.pth"));
        try
        {
            var top = Assert.IsType<OrderedDictionary<object, object?>>(graph);
            var optimizer = Assert.IsType<OrderedDictionary<object, object?>>(top["optimizer"]);
            var state = Assert.IsType<OrderedDictionary<object, object?>>(optimizer["state"]);
            // SGD with momentum after one step on sum(fc(ones)): only fc.weight (5) and fc.bias (6)
            // had gradients, and the first momentum buffer is the gradient itself.
            Assert.Equal(new object[] { 5L, 6L }, state.Keys.ToArray());
            var buffer = Assert.IsAssignableFrom<Tensor>(Assert.IsType<OrderedDictionary<object, object?>>(state[6L])["momentum_buffer"]);
            Assert.Equal(new float[] { 1, 1, 1 }, buffer.ToArray<float>());
            var group = Assert.IsType<OrderedDictionary<object, object?>>(Assert.IsType<List<object?>>(optimizer["param_groups"])[0]);
            Assert.Equal(0.1, group["lr"]);
            Assert.Equal(0.9, group["momentum"]);
            Assert.Equal(false, group["nesterov"]);
            Assert.Null(group["foreach"]);
            Assert.Equal(Enumerable.Range(0, 7).Select(i => (object?)(long)i), Assert.IsType<List<object?>>(group["params"]));
        }
        finally
        {
            PthReader.DisposeTensors(graph);
        }
    }

    [Fact]
    public void StripsTheDataParallelPrefix()
    {
        using var checkpoint = PthReader.LoadCheckpoint(FixturePath("dataparallel.pth"));
        Assert.Equal("module.", checkpoint.StrippedPrefix);
        Assert.Null(checkpoint.WrapperKey);
        AssertTinyStateDict(checkpoint.StateDict);
    }

    [Fact]
    public void LoadsParametersSavedDirectly()
    {
        var graph = PthReader.Load(FixturePath("parameters.pth"));
        try
        {
            var dict = Assert.IsType<OrderedDictionary<object, object?>>(graph);
            var w = Assert.IsType<Parameter>(dict["w"]);
            var frozen = Assert.IsType<Parameter>(dict["frozen"]);
            Assert.True(w.RequiresGrad);
            Assert.False(frozen.RequiresGrad);
            using var expected = Fixtures.Load("serialization", "parameters.safetensors");
            TensorAssert.Equal(expected.Tensors["w"], w, "w");
            TensorAssert.Equal(expected.Tensors["frozen"], frozen, "frozen");
        }
        finally
        {
            PthReader.DisposeTensors(graph);
        }
    }

    [Fact]
    public void ReadsBigEndianArchives()
    {
        // torch.save on a big-endian machine writes byteorder "big" and swapped storage bytes.
        var entries = PthArchive.Read(FixturePath("parameters.pth"))
            .Select(e => e.Name.Contains("/data/") ? (e.Name, Swap4(e.Data)) : e)
            .Append(("parameters/byteorder", "big"u8.ToArray()));
        var path = _temp.File("big.pth");
        PthArchive.Write(path, entries);
        var sd = PthReader.LoadStateDict(path);
        try
        {
            using var expected = Fixtures.Load("serialization", "parameters.safetensors");
            TensorAssert.Equal(expected.Tensors["w"], sd["w"], "w");
            TensorAssert.Equal(expected.Tensors["frozen"], sd["frozen"], "frozen");
        }
        finally
        {
            DisposeAll(sd.Values);
        }

        static byte[] Swap4(byte[] data)
        {
            var copy = (byte[])data.Clone();
            for (var i = 0; i < copy.Length; i += 4) Array.Reverse(copy, i, 4);
            return copy;
        }
    }

    [Fact]
    public void RebuildsAHandCraftedStridedTensor()
    {
        var pickle = new PickleBuilder().Proto(2).EmptyDict().Str("t")
            .RebuildTensor("FloatStorage", "0", 6, 1, [2, 2], [1, 2]).SetItem().Stop().ToArray();
        var path = _temp.File("crafted.pth");
        PthArchive.Write(path, "crafted", pickle, ("0", new float[] { 0, 1, 2, 3, 4, 5 }.SelectMany(BitConverter.GetBytes).ToArray()));
        var sd = PthReader.LoadStateDict(path);
        try
        {
            // as_strided(size=[2, 2], stride=[1, 2], offset=1) of 0..5 is [[1, 3], [2, 4]].
            Assert.Equal(new float[] { 1, 3, 2, 4 }, sd["t"].ToArray<float>());
        }
        finally
        {
            DisposeAll(sd.Values);
        }
    }

    // ------------------------------------------------------------ refusals and corrupt files

    [Fact]
    public void RefusesAPickleThatCallsOsSystem()
    {
        // What a hostile "checkpoint" looks like: posix.system("touch …") through REDUCE, in a zip laid out as torch.save's.
        var marker = _temp.File("pwned");
        var pickle = new PickleBuilder().Proto(2).Global("posix", "system").Str($"touch {marker}").Op(0x85).Reduce().Stop().ToArray();
        var path = _temp.File("evil.pth");
        PthArchive.Write(path, "evil", pickle);
        var e = Assert.Throws<UnsafePickleException>(() => PthReader.LoadStateDict(path));
        Assert.Equal("posix.system", e.Global);
        Assert.Contains("'posix.system'", e.Message);
        Assert.Contains(path, e.Message);
        Assert.Contains("evil/data.pkl", e.Message);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void RefusesStackGlobalOsSystemInsideAStateDict()
    {
        var pickle = new PickleBuilder().Proto(4).EmptyDict().Str("w")
            .ShortStr("os").ShortStr("system").Op(0x93).ShortStr("id").Op(0x85).Reduce().SetItem().Stop().ToArray();
        var path = _temp.File("evil4.pth");
        PthArchive.Write(path, "evil4", pickle);
        var e = Assert.Throws<UnsafePickleException>(() => PthReader.Load(path));
        Assert.Equal("os.system", e.Global);
    }

    [Fact]
    public void TruncatedZipNamesTheFile()
    {
        var bytes = File.ReadAllBytes(FixturePath("tiny_state_dict.pth"));
        var path = _temp.File("truncated.pth");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<InvalidDataException>(() => PthReader.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated or corrupt", e.Message);
    }

    [Fact]
    public void TruncatedLegacyFileNamesTheFile()
    {
        var bytes = File.ReadAllBytes(FixturePath("tiny_legacy.pth"));
        var path = _temp.File("truncated_legacy.pth");
        File.WriteAllBytes(path, bytes[..^10]);
        var e = Assert.Throws<InvalidDataException>(() => PthReader.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void TruncatedStorageRecordIsNamed()
    {
        var entries = PthArchive.Read(FixturePath("tiny_state_dict.pth"))
            .Select(e => e.Name == "tiny_state_dict/data/0" ? (e.Name, e.Data[..^4]) : e);
        var path = _temp.File("short_storage.pth");
        PthArchive.Write(path, entries);
        var e = Assert.Throws<InvalidDataException>(() => PthReader.LoadStateDict(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("'tiny_state_dict/data/0'", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void MissingStorageRecordIsNamed()
    {
        var entries = PthArchive.Read(FixturePath("tiny_state_dict.pth")).Where(e => e.Name != "tiny_state_dict/data/1");
        var path = _temp.File("missing_storage.pth");
        PthArchive.Write(path, entries);
        var e = Assert.Throws<InvalidDataException>(() => PthReader.LoadStateDict(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("'tiny_state_dict/data/1' is missing", e.Message);
    }

    [Theory]
    [InlineData("garbage", "unknown opcode 0xFF (at offset 2)")]
    [InlineData("truncated", "truncated")]
    [InlineData("missing", "no 'tiny_state_dict/data.pkl' record")]
    public void CorruptDataPklIsReported(string how, string expected)
    {
        var entries = PthArchive.Read(FixturePath("tiny_state_dict.pth"))
            .Where(e => how != "missing" || e.Name != "tiny_state_dict/data.pkl")
            .Select(e => e.Name != "tiny_state_dict/data.pkl" ? e
                : how == "garbage" ? (e.Name, new byte[] { 0x80, 0x02, 0xff, 0xff }) : (e.Name, e.Data[..(e.Data.Length / 2)]))
            .OrderBy(e => e.Name != "tiny_state_dict/data.pkl" || how == "missing" ? 1 : 0); // keep the archive folder first
        var path = _temp.File($"corrupt_{how}.pth");
        PthArchive.Write(path, entries);
        var e = Assert.Throws<InvalidDataException>(() => PthReader.LoadStateDict(path));
        Assert.Contains(path, e.Message);
        Assert.True(e.Message.Contains(expected), e.Message);
    }

    [Theory]
    [InlineData(new byte[] { }, "empty")]
    [InlineData(new byte[] { (byte)'h', (byte)'e', (byte)'l', (byte)'l', (byte)'o' }, "not a PyTorch file")]
    [InlineData(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0d, 0x0a }, "not a PyTorch file")]
    public void NonPyTorchFilesAreRejected(byte[] bytes, string expected)
    {
        var path = _temp.File("not.pth");
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidDataException>(() => PthReader.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void MissingFileIsFileNotFound()
    {
        var e = Assert.Throws<FileNotFoundException>(() => PthReader.Load(_temp.File("absent.pth")));
        Assert.Contains("absent.pth", e.Message);
    }

    [Fact]
    public void TorchScriptArchivesAreRecognised()
    {
        var path = _temp.File("scripted.pt");
        PthArchive.Write(path, [("scripted/data.pkl", new PickleBuilder().Proto(2).EmptyDict().Stop().ToArray()), ("scripted/constants.pkl", [0x80, 2, (byte)')', (byte)'.'])]);
        var e = Assert.Throws<InvalidDataException>(() => PthReader.Load(path));
        Assert.Contains("TorchScript", e.Message);
    }

    [Fact]
    public void AFileWithoutAStateDictSaysWhatItHolds()
    {
        var listPath = _temp.File("list.pth");
        PthArchive.Write(listPath, "list", new PickleBuilder().Proto(2).EmptyList().Stop().ToArray());
        var e1 = Assert.Throws<InvalidDataException>(() => PthReader.LoadStateDict(listPath));
        Assert.Contains("expected a state dict", e1.Message);
        Assert.Contains("a list", e1.Message);

        var dictPath = _temp.File("dict.pth");
        PthArchive.Write(dictPath, "dict", new PickleBuilder().Proto(2).EmptyDict().Str("epoch").Int(3).SetItem().Str("model").EmptyDict().SetItem().Stop().ToArray());
        var e2 = Assert.Throws<InvalidDataException>(() => PthReader.LoadStateDict(dictPath));
        Assert.Contains("no state dict found", e2.Message);
        Assert.Contains("'epoch' (int)", e2.Message);
        Assert.Contains("'model' (dict)", e2.Message);
    }
}
