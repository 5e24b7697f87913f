using System.Buffers.Binary;
using System.Text;
using Ocular.Torch.Serialization;

namespace Ocular.Torch.Tests;

/// <summary>safetensors: every element type with a metadata block round-trips; broken files name the file and key.</summary>
public sealed class SafeTensorsTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static readonly ScalarType[] AllTypes =
    [
        ScalarType.Float64, ScalarType.Float32, ScalarType.Float16, ScalarType.BFloat16, ScalarType.Int64,
        ScalarType.Int32, ScalarType.Int16, ScalarType.Int8, ScalarType.UInt8, ScalarType.Bool,
    ];

    [Fact]
    public void RoundTripsEveryElementTypeWithMetadata()
    {
        var tensors = new Dictionary<string, Tensor>();
        try
        {
            using (var values = Tensor.Arange(-6, 6, 1, ScalarType.Int64))
            using (var shaped = values.Reshape(3, 4))
                foreach (var t in AllTypes) tensors[t.TorchName()] = DisposeScope.Detach(shaped.To(t));
            tensors["scalar"] = Tensor.FromScalar(2.5);
            tensors["empty"] = Tensor.Zeros([0, 5], ScalarType.Float32);
            var metadata = new Dictionary<string, string> { ["arch"] = "resnet50", ["classes"] = "[\"cat\", \"dog\"]", ["ünïcode"] = "✓" };
            var path = _temp.File("all.safetensors");
            SafeTensors.Save(path, tensors, metadata);

            using var back = SafeTensors.Load(path);
            Assert.Equal(tensors.Keys.Order(), back.Tensors.Keys.Order());
            foreach (var (k, v) in tensors) TensorAssert.Equal(v, back.Tensors[k], k);
            Assert.Equal(metadata, back.Metadata);
            Assert.Equal(metadata, SafeTensors.ReadMetadata(path));
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    private string Write(string name, string header, byte[] data)
    {
        var h = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + h.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)h.Length);
        h.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + h.Length);
        var path = _temp.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void TruncatedDataNamesTheFileAndKey()
    {
        var path = _temp.File("weights.safetensors");
        using (var a = Tensor.Ones(4))
        using (var b = Tensor.Ones(2, 8))
            SafeTensors.Save(path, new Dictionary<string, Tensor> { ["a"] = a, ["layer4.weight"] = b });
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^10]);
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("'layer4.weight'", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Theory]
    [InlineData("{\"w\":{\"dtype\":\"C64\",\"shape\":[2],\"data_offsets\":[0,16]}}", 16, "'w' has dtype 'C64'")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "'w' of shape [3] and dtype float32 needs 12 bytes")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8, "'w' has a malformed header entry")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, "'w' has a negative dimension")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8, "'w' has data offsets [8, 0)")]
    [InlineData("{\"w\": [1, 2", 0, "not valid JSON")]
    [InlineData("[1, 2]", 0, "not a JSON object")]
    [InlineData("{\"__metadata__\":{\"a\":1}}", 0, "metadata 'a' must be a string")]
    public void CorruptHeadersNameTheFileAndKey(string header, int dataBytes, string expected)
    {
        var path = Write("bad.safetensors", header, new byte[dataBytes]);
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void ShortOrOversizedHeaderLengthIsReported()
    {
        var tiny = _temp.File("tiny.safetensors");
        File.WriteAllBytes(tiny, [1, 2, 3]);
        var e1 = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(tiny));
        Assert.Contains(tiny, e1.Message);

        var huge = _temp.File("huge.safetensors");
        var bytes = new byte[64];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1_000_000);
        File.WriteAllBytes(huge, bytes);
        var e2 = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(huge));
        Assert.Contains(huge, e2.Message);
        Assert.Contains("truncated", e2.Message);
    }
}
