using System.Text;
using Ocular.Torch.Serialization;

namespace Ocular.Torch.Tests;

/// <summary>
/// .npy files: the ones numpy.save wrote (tests/fixtures/serialization/make_pth.py) load to the same
/// values, Ocular's files are byte-identical to numpy's, every element type round-trips, and broken
/// files are rejected with the file named.
/// </summary>
public sealed class NpyTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string NpyPath(string name) => Fixtures.Path("serialization", "npy", name + ".npy");

    [Theory]
    [InlineData("f32_234", "f32_234")]
    [InlineData("f64", "f64")]
    [InlineData("f16", "f16")]
    [InlineData("i64", "i64")]
    [InlineData("i32", "i32")]
    [InlineData("u8", "u8")]
    [InlineData("bool", "bool")]
    [InlineData("scalar0d", "scalar0d")]
    [InlineData("fortran", "fortran")]
    [InlineData("fortran3d", "fortran3d")]
    [InlineData("empty", "empty")]
    [InlineData("f32_v2", "f32_234")]
    [InlineData("f32_v3", "f32_234")]
    public void LoadsWhatNumpyWrote(string file, string expectedKey)
    {
        using var expected = Fixtures.Load("serialization", "npy_expected.safetensors");
        using var actual = Npy.Load(NpyPath(file));
        TensorAssert.Equal(expected.Tensors[expectedKey], actual, file);
        Assert.True(actual.IsContiguous);
    }

    [Theory]
    [InlineData("f32_234")]
    [InlineData("f64")]
    [InlineData("f16")]
    [InlineData("i64")]
    [InlineData("i32")]
    [InlineData("u8")]
    [InlineData("bool")]
    [InlineData("scalar0d")]
    [InlineData("empty")]
    public void WritesTheBytesNumpyWrites(string name)
    {
        using var expected = Fixtures.Load("serialization", "npy_expected.safetensors");
        var path = _temp.File(name + ".npy");
        Npy.Save(path, expected.Tensors[name]);
        Assert.Equal(File.ReadAllBytes(NpyPath(name)), File.ReadAllBytes(path));
    }

    [Fact]
    public void SavesAFortranTensorInCOrder()
    {
        // The fortran fixture loads as a C-order tensor; saved again, it is numpy's C-order file of the same values.
        using var t = Npy.Load(NpyPath("fortran"));
        var path = _temp.File("c.npy");
        Npy.Save(path, t);
        var text = Encoding.Latin1.GetString(File.ReadAllBytes(path)[..128]);
        Assert.Contains("'fortran_order': False, 'shape': (3, 4)", text);
        using var back = Npy.Load(path);
        TensorAssert.Equal(t, back, "fortran round trip");
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.Int64)]
    [InlineData(ScalarType.Int32)]
    [InlineData(ScalarType.Int16)]
    [InlineData(ScalarType.Int8)]
    [InlineData(ScalarType.UInt8)]
    [InlineData(ScalarType.Bool)]
    public void RoundTripsEveryElementType(ScalarType dtype)
    {
        using var values = Tensor.Arange(-12, 12, 1, ScalarType.Int64);
        using var reshaped = values.Reshape(2, 3, 4);
        using var typed = reshaped.To(dtype);
        // A transposed (non-contiguous) view is saved in C order of its logical layout.
        using var view = typed.Transpose(0, 2);
        var path = _temp.File($"{dtype}.npy");
        Npy.Save(path, view);
        using var back = Npy.Load(path);
        using var expected = view.Contiguous();
        TensorAssert.Equal(expected, back, dtype.ToString());
    }

    [Fact]
    public void LoadingInsideADisposeScopeLeavesNothingInTheScope()
    {
        Tensor t;
        using (var scope = DisposeScope.Enter())
        {
            t = Npy.Load(NpyPath("fortran3d"));
            Assert.Equal(0, scope.Count);
        }
        using (t) Assert.Equal(new long[] { 2, 3, 4 }, t.Shape);
    }

    [Fact]
    public void SaveReplacesAnExistingFileAtomically()
    {
        var path = _temp.File("map.npy");
        using (var a = Tensor.Zeros(2, 2)) Npy.Save(path, a);
        using (var b = Tensor.Ones(3)) Npy.Save(path, b);
        using var back = Npy.Load(path);
        Assert.Equal(new float[] { 1, 1, 1 }, back.ToArray<float>());
        Assert.Equal(["map.npy"], Directory.GetFiles(_temp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void BFloat16HasNoNumpyType()
    {
        using var t = Tensor.Zeros([2], ScalarType.BFloat16);
        var e = Assert.Throws<ArgumentException>(() => Npy.Save(_temp.File("bf16.npy"), t));
        Assert.Contains("bfloat16", e.Message);
    }

    private string WriteNpy(string name, string header, int dataBytes, byte major = 1)
    {
        var h = Encoding.Latin1.GetBytes(header + "\n");
        using var s = new MemoryStream();
        s.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', major, 0]);
        if (major == 1) s.Write(BitConverter.GetBytes((ushort)h.Length));
        else s.Write(BitConverter.GetBytes((uint)h.Length));
        s.Write(h);
        s.Write(new byte[dataBytes]);
        var path = _temp.File(name);
        File.WriteAllBytes(path, s.ToArray());
        return path;
    }

    [Theory]
    [InlineData("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", 8, "unsupported element type '>f4'")]
    [InlineData("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", 16, "unsupported element type '<c8'")]
    [InlineData("{'descr': '<U3', 'fortran_order': False, 'shape': (2,), }", 24, "unsupported element type '<U3'")]
    [InlineData("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", 8, "structured")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 20, "truncated")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 28, "needs 24 bytes but the file has 28")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, }", 8, "exactly the keys")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2,) ", 8, "malformed")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': __import__('os'), }", 8, "malformed")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", 8, "non-negative")]
    public void RejectsBadHeadersAndData(string header, int dataBytes, string expected)
    {
        var path = WriteNpy("bad.npy", header, dataBytes);
        var e = Assert.Throws<InvalidDataException>(() => Npy.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void AcceptsPython2StyleHeaders()
    {
        // numpy under Python 2 wrote long integers with an L suffix.
        var path = WriteNpy("py2.npy", "{'descr': '<i4', 'fortran_order': False, 'shape': (2L, 1L), }", 8);
        using var t = Npy.Load(path);
        Assert.Equal(new long[] { 2, 1 }, t.Shape);
    }

    [Fact]
    public void RejectsBadMagicAndVersions()
    {
        var notNpy = _temp.File("text.npy");
        File.WriteAllText(notNpy, "just some text, not numpy");
        var e1 = Assert.Throws<InvalidDataException>(() => Npy.Load(notNpy));
        Assert.Contains(notNpy, e1.Message);
        Assert.Contains("magic", e1.Message);

        var v4 = WriteNpy("v4.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 4, major: 4);
        var e2 = Assert.Throws<InvalidDataException>(() => Npy.Load(v4));
        Assert.Contains("version 4.0", e2.Message);

        var good = File.ReadAllBytes(NpyPath("f32_234"));
        var cut = _temp.File("cut.npy");
        File.WriteAllBytes(cut, good[..40]);
        var e3 = Assert.Throws<InvalidDataException>(() => Npy.Load(cut));
        Assert.Contains("truncated", e3.Message);

        Assert.Throws<FileNotFoundException>(() => Npy.Load(_temp.File("absent.npy")));
    }
}
