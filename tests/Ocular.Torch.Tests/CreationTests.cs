namespace Ocular.Torch.Tests;

/// <summary>
/// dtypes, creation from and to arrays, factories, seeded random draws and conversions against
/// tests/fixtures/torch/ops_creation.safetensors.
/// </summary>
public class CreationTests
{
    private static readonly GoldenFile G = new("creation");

    private static void RoundTrip<T>(string dtype, T[] values, params long[] shape) where T : unmanaged
    {
        using var t = Tensor.FromArray(values, shape);
        Assert.Equal(ScalarTypes.Of<T>(), t.DType);
        Assert.Equal(dtype, t.DType.TorchName());
        TensorAssert.Close(G[$"dtype/{dtype}"], t, dtype, new Tolerance(0, 0));
        Assert.Equal(values, G[$"dtype/{dtype}"].ToArray<T>());
        Assert.Equal(values, t.ToArray<T>());
    }

    [Fact] public void Float32FromAndToArrays() => RoundTrip("float32", [1.5f, -2.25f, 3.0e-8f, 1e30f, -0.0f, 7.125f], 2, 3);
    [Fact] public void Float64FromAndToArrays() => RoundTrip("float64", [1.0 / 3.0, -2.5e-300, 1e300, 0.1]);
    [Fact] public void Float16FromAndToArrays() => RoundTrip("float16", [(Half)0.5, (Half)(-1.25), (Half)65504.0, (Half)6.1e-5, (Half)3.14159]);
    [Fact] public void Int64FromAndToArrays() => RoundTrip("int64", [-(1L << 62), 0L, (1L << 40) + 3], 1, 3);
    [Fact] public void Int32FromAndToArrays() => RoundTrip("int32", [int.MinValue, -7, int.MaxValue]);
    [Fact] public void UInt8FromAndToArrays() => RoundTrip("uint8", new byte[] { 0, 1, 128, 255 }, 2, 2);
    [Fact] public void BoolFromAndToArrays() => RoundTrip("bool", [true, false, false, true, true]);

    [Fact]
    public void FromArrayChecksTheElementCount()
    {
        var e = Assert.Throws<TorchException>(() => Tensor.FromArray(new float[] { 1, 2, 3 }, 2, 2));
        Assert.Contains("data holds 12 bytes but shape [2, 2] of Float needs 16", e.Message);
    }

    [Fact]
    public void ToArrayChecksTheElementType()
    {
        using var t = Tensor.Zeros(2);
        var e = Assert.Throws<InvalidOperationException>(() => t.ToArray<double>());
        Assert.Contains("float32", e.Message);
    }

    [Fact]
    public void Item()
    {
        using var f = Tensor.FromArray(new[] { 2.5f });
        Assert.Equal(2.5f, f.Item<float>());
        Assert.Equal(2.5, f.Item<double>());
        using var l = Tensor.FromScalar(1L << 40);
        Assert.Equal(ScalarType.Int64, l.DType);
        Assert.Empty(l.Shape);
        Assert.Equal(1L << 40, l.Item<long>());
        using var b = Tensor.FromArray(new[] { true });
        Assert.True(b.Item<bool>());
        using var u = Tensor.FromArray(new byte[] { 200 });
        Assert.Equal((byte)200, u.Item<byte>());
        using var i = Tensor.FromArray(new[] { -7 });
        Assert.Equal(-7, i.Item<int>());
        using var h = Tensor.FromArray(new[] { (Half)1.5 });
        Assert.Equal((Half)1.5, h.Item<Half>());
        using var two = Tensor.Zeros(2);
        var e = Assert.Throws<TorchException>(() => two.Item<float>());
        Assert.Contains("a Tensor with 2 elements cannot be converted to Scalar", e.Message);
    }

    [Theory]
    [InlineData("float64", ScalarType.Float64)]
    [InlineData("float16", ScalarType.Float16)]
    [InlineData("int64", ScalarType.Int64)]
    [InlineData("int32", ScalarType.Int32)]
    [InlineData("bool", ScalarType.Bool)]
    public void ToConvertsFloat32Like(string name, ScalarType dtype)
    {
        using var r = G["to/src_f32"].To(dtype);
        TensorAssert.Close(G[$"to/f32_{name}"], r, $"float32 → {name}", new Tolerance(0, 0));
    }

    [Fact]
    public void ToConvertsOtherTypes()
    {
        using var scope = DisposeScope.Enter();
        var exact = new Tolerance(0, 0);
        TensorAssert.Close(G["to/f32_uint8"], G["to/src_f32"].Narrow(0, 2, 5).To(ScalarType.UInt8), "float32 → uint8", exact);
        TensorAssert.Close(G["to/i64_f32"], G["to/src_i64"].To(ScalarType.Float32), "int64 → float32", exact);
        TensorAssert.Close(G["to/i64_i32"], G["to/src_i64"].Narrow(0, 0, 3).To(ScalarType.Int32), "int64 → int32", exact);
        TensorAssert.Close(G["to/i64_bool"], G["to/src_i64"].To(ScalarType.Bool), "int64 → bool", exact);
        TensorAssert.Close(G["to/bool_f32"], G["to/src_bool"].To(ScalarType.Float32), "bool → float32", exact);
        TensorAssert.Close(G["to/u8_i64"], G["to/src_u8"].To(ScalarType.Int64), "uint8 → int64", exact);
        TensorAssert.Close(G["to/u8_f16"], G["to/src_u8"].To(ScalarType.Float16), "uint8 → float16", exact);
    }

    [Fact]
    public void ToSameTypeAliasesUnlessCopyIsAsked()
    {
        using var scope = DisposeScope.Enter();
        var x = Tensor.Zeros(2);
        var same = x.To(ScalarType.Float32);
        var copy = x.To(ScalarType.Float32, copy: true);
        x.Fill_(3);
        Assert.Equal(new float[] { 3, 3 }, same.ToArray<float>());
        Assert.Equal(new float[] { 0, 0 }, copy.ToArray<float>());
    }

    [Fact]
    public void ZerosOnesFull()
    {
        using var scope = DisposeScope.Enter();
        var z = Tensor.Zeros(2, 3);
        Assert.Equal(ScalarType.Float32, z.DType);
        Assert.Equal(new long[] { 2, 3 }, z.Shape);
        Assert.Equal(new float[6], z.ToArray<float>());
        var o = Tensor.Ones([4], ScalarType.Int32);
        Assert.Equal(new[] { 1, 1, 1, 1 }, o.ToArray<int>());
        var zl = Tensor.ZerosLike(o);
        Assert.Equal(ScalarType.Int32, zl.DType);
        var ol = Tensor.OnesLike(z, ScalarType.Float64);
        Assert.Equal(new double[] { 1, 1, 1, 1, 1, 1 }, ol.ToArray<double>());
        // torch.full infers the dtype from the fill value.
        TensorAssert.Close(G["full/int"], Tensor.Full([2, 3], 7), "full int");
        TensorAssert.Close(G["full/float"], Tensor.Full([2], 0.25), "full float");
        TensorAssert.Close(G["full/bool"], Tensor.Full([3], true), "full bool");
        TensorAssert.Close(G["full/dtype"], Tensor.Full([2, 2], 3, ScalarType.Float64), "full dtype");
        var fl = Tensor.FullLike(z, -1);
        Assert.Equal(ScalarType.Float32, fl.DType);
        Assert.Equal(Enumerable.Repeat(-1f, 6), fl.ToArray<float>());
    }

    [Fact]
    public void ArangeAndLinspace()
    {
        using var scope = DisposeScope.Enter();
        TensorAssert.Close(G["arange/int"], Tensor.Arange(7), "arange(7)");
        TensorAssert.Close(G["arange/start_end_step"], Tensor.Arange(-3, 10, 4), "arange(-3, 10, 4)");
        TensorAssert.Close(G["arange/float_step"], Tensor.Arange(0, 1, 0.1), "arange(0, 1, 0.1)", new Tolerance(0, 0));
        TensorAssert.Close(G["arange/float_end"], Tensor.Arange(2.5), "arange(2.5)");
        TensorAssert.Close(G["arange/f64"], Tensor.Arange(1.0, 2.5, 0.25, ScalarType.Float64), "arange f64");
        TensorAssert.Close(G["linspace/f32"], Tensor.Linspace(-1, 2, 7), "linspace f32", new Tolerance(0, 0));
        TensorAssert.Close(G["linspace/f64"], Tensor.Linspace(0, 1, 11, ScalarType.Float64), "linspace f64", new Tolerance(0, 0));
        TensorAssert.Close(G["linspace/one"], Tensor.Linspace(3, 5, 1), "linspace one step");
    }

    // torch.rand(..., generator=torch.Generator().manual_seed(s)): the draws must be bit-identical.
    [Fact]
    public void SeededDrawsEqualPyTorch()
    {
        using var scope = DisposeScope.Enter();
        var exact = new Tolerance(0, 0);
        Tensor With(ulong seed, Func<Generator, Tensor> draw)
        {
            using var g = new Generator(seed);
            return draw(g);
        }
        TensorAssert.Close(G["rand/s7_3x4"], With(7, g => Tensor.Rand([3, 4], g)), "rand", exact);
        TensorAssert.Close(G["rand/s7_f64"], With(7, g => Tensor.Rand([5], g, ScalarType.Float64)), "rand f64", exact);
        TensorAssert.Close(G["randn/s7_3"], With(7, g => Tensor.Randn([3], g)), "randn(3)", exact);
        TensorAssert.Close(G["randn/s7_5x7"], With(7, g => Tensor.Randn([5, 7], g)), "randn(5, 7)", exact);
        TensorAssert.Close(G["randn/s3_f64"], With(3, g => Tensor.Randn([20], g, ScalarType.Float64)), "randn f64", exact);
        TensorAssert.Close(G["randint/s7_0_10"], With(7, g => Tensor.RandInt(0, 10, [12], g)), "randint", exact);
        TensorAssert.Close(G["randint/s7_0_10"], With(7, g => Tensor.RandInt(10, [12], g)), "randint(high)", exact);
        TensorAssert.Close(G["randint/s9_m5_5_i32"], With(9, g => Tensor.RandInt(-5, 5, [2, 6], g, ScalarType.Int32)), "randint int32", exact);
        TensorAssert.Close(G["randperm/s7_10"], With(7, g => Tensor.RandPerm(10, g)), "randperm", exact);
    }

    [Fact]
    public void GeneratorStateAdvancesLikePyTorch()
    {
        using var scope = DisposeScope.Enter();
        using var g = new Generator(11);
        Assert.Equal(11UL, g.InitialSeed);
        var exact = new Tolerance(0, 0);
        TensorAssert.Close(G["seq/s11_rand4"], Tensor.Rand([4], g), "rand(4)", exact);
        var state = g.GetState();
        TensorAssert.Close(G["seq/s11_randn17"], Tensor.Randn([17], g), "randn(17)", exact);
        TensorAssert.Close(G["seq/s11_randint5"], Tensor.RandInt(0, 100, [5], g), "randint(5)", exact);
        TensorAssert.Close(G["seq/s11_rand2"], Tensor.Rand([2], g), "rand(2)", exact);
        g.SetState(state);
        TensorAssert.Close(G["seq/s11_randn17"], Tensor.Randn([17], g), "randn(17) after SetState", exact);
        g.ManualSeed(11);
        TensorAssert.Close(G["seq/s11_rand4"], Tensor.Rand([4], g), "rand(4) after ManualSeed", exact);
    }
}

/// <summary>Tests that use libtorch's global generator (torch.manual_seed).</summary>
[Collection(GlobalStateCollection.Name)]
public class GlobalGeneratorTests
{
    private static readonly GoldenFile G = new("creation");

    [Fact]
    public void ManualSeedDrivesTheGlobalGenerator()
    {
        using var scope = DisposeScope.Enter();
        Engine.ManualSeed(123);
        TensorAssert.Close(G["global/s123_rand5"], Tensor.Rand([5]), "rand(5)", new Tolerance(0, 0));
        TensorAssert.Close(G["global/s123_randn3"], Tensor.Randn([3]), "randn(3)", new Tolerance(0, 0));
    }

    [Fact]
    public void DropoutWithoutGeneratorUsesTheGlobalOne()
    {
        using var scope = DisposeScope.Enter();
        var x = new GoldenFile("functional")["dropout/in/x"];
        Engine.ManualSeed(77);
        TensorAssert.Close(new GoldenFile("functional")["dropout/out/0"], Functional.Dropout(x, 0.3), "dropout");
    }
}
