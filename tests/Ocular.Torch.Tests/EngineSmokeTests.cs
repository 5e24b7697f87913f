using System.Globalization;

namespace Ocular.Torch.Tests;

[Collection(GlobalStateCollection.Name)]
public class EngineSmokeTests
{
    [Fact]
    public void ThreadCountIsSetAtStartUp()
    {
        // The start-up rule: OCULAR_NUM_THREADS when the environment sets it (CI and shared machines do), else the
        // processor count. Reading the variable here keeps the test true in both environments instead of failing in one.
        var variable = Environment.GetEnvironmentVariable(Engine.ThreadsVariable);
        var expected = string.IsNullOrWhiteSpace(variable) ? Environment.ProcessorCount : int.Parse(variable, CultureInfo.InvariantCulture);
        var atStartUp = Engine.NumThreads;
        try
        {
            Assert.Equal(expected, atStartUp);
            Engine.SetNumThreads(1);
            Assert.Equal(1, Engine.NumThreads);
        }
        finally
        {
            Engine.SetNumThreads(atStartUp);
        }
    }

    [Fact]
    public void VersionsAreReported()
    {
        Assert.StartsWith("1.13.", Engine.TorchVersion);
        Assert.StartsWith("4.", Engine.OpenCvVersion);
    }

    [Fact]
    public void RoundTripsDataAndShape()
    {
        using var t = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        Assert.Equal(new long[] { 2, 3 }, t.Shape);
        Assert.Equal(ScalarType.Float32, t.DType);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, t.ToArray<float>());
        using var s = t.Sum();
        Assert.Equal(21f, s.Item<float>());
    }

    [Fact]
    public void Conv2dShapeMismatchSurfacesLibtorchMessage()
    {
        using var x = Tensor.Zeros(1, 3, 8, 8);
        using var w = Tensor.Zeros(2, 4, 3, 3);
        var e = Assert.Throws<TorchException>(() => Functional.Conv2d(x, w));
        Assert.Contains("expected input[1, 3, 8, 8] to have 4 channels, but got 3 channels instead", e.Message);
    }

    [Fact]
    public void SeededDrawsEqualPyTorch()
    {
        // torch.manual_seed(0); torch.rand(3) -> [0.4963, 0.7682, 0.0885]
        Engine.ManualSeed(0);
        using var r = Tensor.Rand([3]);
        var v = r.ToArray<float>();
        Assert.Equal(0.49625659f, v[0], 6);
        Assert.Equal(0.76822180f, v[1], 6);
        Assert.Equal(0.08847743f, v[2], 6);
    }

    [Fact]
    public void BackwardGivesGradient()
    {
        using var x = Tensor.FromArray(new float[] { 1, 2, 3 }).RequiresGrad_();
        using var y = (x * x).Sum();
        y.Backward();
        using var g = x.Grad!;
        Assert.Equal(new float[] { 2, 4, 6 }, g.ToArray<float>());
    }

    [Fact]
    public void ScopeFreesTemporariesAndKeepsWhatIsKept()
    {
        Tensor kept, temp;
        using (var scope = DisposeScope.Enter())
        {
            temp = Tensor.Ones(2, 2);
            kept = scope.Keep(temp * 2);
        }
        Assert.True(temp.IsDisposed);
        Assert.False(kept.IsDisposed);
        Assert.Equal(new float[] { 2, 2, 2, 2 }, kept.ToArray<float>());
        kept.Dispose();
        Assert.Throws<ObjectDisposedException>(() => kept.Sum());
    }

    [Fact]
    public void PythonStyleIndexing()
    {
        using var t = Tensor.Arange(24).Reshape(2, 3, 4);
        using var a = t[1, .., 2];
        Assert.Equal(new long[] { 14, 18, 22 }, a.ToArray<long>());
        using var b = t[TensorIndex.Ellipsis, 1..^1];
        Assert.Equal(new long[] { 2, 3, 2 }, b.Shape);
        using var idx = Tensor.FromArray(new long[] { 2, 0 });
        using var c = t[0, idx];
        Assert.Equal(new long[] { 2, 4 }, c.Shape);
        Assert.Equal(new long[] { 8, 9, 10, 11, 0, 1, 2, 3 }, c.ToArray<long>());
    }
}
