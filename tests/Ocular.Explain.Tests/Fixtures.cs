using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Models;

namespace Ocular.Explain.Tests;

/// <summary>Loads the committed golden fixtures (tests/fixtures, copied beside the test assembly).</summary>
internal static class Fixtures
{
    public static string Path(params string[] parts) =>
        System.IO.Path.Combine([AppContext.BaseDirectory, "fixtures", .. parts]);

    public static SafeTensors.Contents Load(params string[] parts) => SafeTensors.Load(Path(parts));
}

/// <summary>
/// tests/fixtures/explain/explain.safetensors (make_explain.py): a compact CNN with 5 classes and its weights,
/// three 32 × 32 images, their targets, and the reference maps of every method.
/// </summary>
internal sealed class ExplainFixture : IDisposable
{
    private readonly SafeTensors.Contents _contents;

    public ExplainFixture()
    {
        _contents = Fixtures.Load("explain", "explain.safetensors");
        Model = new CompactCnn(numClasses: 5);
        var weights = _contents.Tensors.Where(kv => kv.Key.StartsWith("model.", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key["model.".Length..], kv => kv.Value);
        Model.LoadStateDict(weights, strict: true);
        Model.Eval();
    }

    public CompactCnn Model { get; }

    /// <summary>Normalised images [3, 3, 32, 32].</summary>
    public Tensor Images => this["images"];

    /// <summary>Target classes [3].</summary>
    public Tensor Targets => this["targets"];

    public Tensor this[string key] => _contents.Tensors.TryGetValue(key, out var t) ? t : throw new KeyNotFoundException($"fixture has no '{key}'");

    public void Dispose()
    {
        Model.Dispose();
        _contents.Dispose();
    }
}

/// <summary>Comparisons of maps.</summary>
internal static class MapAssert
{
    /// <summary>Equal shapes and max |actual − expected| ≤ <paramref name="atol"/>.</summary>
    public static void Close(Tensor expected, Tensor actual, double atol, string what)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        using var e = expected.To(ScalarType.Float64);
        using var a = actual.To(ScalarType.Float64);
        using var diff = a.Sub(e).Abs().Max();
        var worst = diff.Item<double>();
        Assert.True(worst <= atol, $"{what}: max |difference| {worst:G3} > {atol:G3}");
    }

    /// <summary>Pearson's correlation coefficient of two equally long series.</summary>
    public static double Pearson(float[] x, float[] y)
    {
        double mx = x.Average(v => (double)v), my = y.Average(v => (double)v), sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < x.Length; i++)
        {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxy / Math.Sqrt(sxx * syy);
    }

    /// <summary>Float32 [N, H, W] with every value in [0, 1], the maximum of each non-constant map 1.</summary>
    public static void IsSaliency(Tensor maps, long n, long h, long w, string what)
    {
        Assert.Equal(ScalarType.Float32, maps.DType);
        Assert.Equal(new[] { n, h, w }, maps.Shape);
        var values = maps.ToArray<float>();
        Assert.All(values, v => Assert.InRange(v, 0f, 1f));
        using var flat = maps.Flatten(1);
        using var max = flat.Amax(1);
        Assert.All(max.ToArray<float>(), m => Assert.True(m is 1f or 0f, $"{what}: a map's maximum is {m}, expected 1 (or 0 for a constant map)"));
    }
}

/// <summary>Tests that touch process-wide state run in this collection, never in parallel with others.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalStateCollection
{
    public const string Name = "global libtorch state";
}
