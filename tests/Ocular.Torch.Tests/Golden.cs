using System.Collections.Concurrent;
using System.Globalization;

namespace Ocular.Torch.Tests;

/// <summary>
/// Element-wise tolerance |actual − expected| ≤ atol + rtol·|expected|, stated per dtype:
/// float32 rtol 1e-5 / atol 1e-6, float64 1e-12 / 1e-12, float16 1e-3 / 1e-3; integer and bool
/// tensors must be exactly equal.
/// </summary>
internal readonly record struct Tolerance(double RTol, double ATol)
{
    public static Tolerance For(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => new(1e-5, 1e-6),
        ScalarType.Float64 => new(1e-12, 1e-12),
        ScalarType.Float16 => new(1e-3, 1e-3),
        ScalarType.BFloat16 => new(1e-2, 1e-2),
        _ => new(0, 0),
    };
}

/// <summary>Assertions that compare tensors with <see cref="Tolerance"/>.</summary>
internal static class TensorAssert
{
    /// <summary>Exact comparison: element type, shape and every byte.</summary>
    public static void Equal(Tensor expected, Tensor actual, string what = "")
    {
        Assert.True(expected.DType == actual.DType, $"{what}: dtype {actual.DType}, expected {expected.DType}");
        Assert.True(expected.Shape.SequenceEqual(actual.Shape), $"{what}: shape {Tensor.ShapeString(actual.Shape)}, expected {Tensor.ShapeString(expected.Shape)}");
        Assert.True(expected.ToBytes().AsSpan().SequenceEqual(actual.ToBytes()), $"{what}: values differ");
    }

    /// <summary>Same dtype, same shape, and values within the dtype's tolerance (or <paramref name="tolerance"/>).</summary>
    public static void Close(Tensor expected, Tensor actual, string what, Tolerance? tolerance = null)
    {
        if (expected.DType != actual.DType)
            Assert.Fail($"{what}: dtype {actual.DType.TorchName()}, expected {expected.DType.TorchName()} (PyTorch)");
        if (!expected.Shape.SequenceEqual(actual.Shape))
            Assert.Fail($"{what}: shape {Tensor.ShapeString(actual.Shape)}, expected {Tensor.ShapeString(expected.Shape)}");
        if (expected.DType.IsFloatingPoint())
        {
            using var e64 = expected.To(ScalarType.Float64);
            using var a64 = actual.To(ScalarType.Float64);
            var tol = tolerance ?? Tolerance.For(expected.DType);
            var e = e64.ToArray<double>();
            var a = a64.ToArray<double>();
            for (var i = 0; i < e.Length; i++)
            {
                if (double.IsNaN(e[i]) && double.IsNaN(a[i])) continue;
                if (e[i] == a[i]) continue; // also equal infinities
                var bound = tol.ATol + tol.RTol * Math.Abs(e[i]);
                // An infinity equals only itself (handled above): its relative bound is infinite and would accept anything.
                if (!(Math.Abs(a[i] - e[i]) <= bound) || double.IsInfinity(e[i]) || double.IsInfinity(a[i]))
                    Assert.Fail($"{what}: element {Position(expected.Shape, i)} is {Format(a[i])}, expected {Format(e[i])} " +
                                $"(|diff| {Format(Math.Abs(a[i] - e[i]))} > atol {tol.ATol} + rtol {tol.RTol}·|expected|)");
            }
        }
        else
        {
            using var e64 = expected.To(ScalarType.Int64);
            using var a64 = actual.To(ScalarType.Int64);
            var e = e64.ToArray<long>();
            var a = a64.ToArray<long>();
            for (var i = 0; i < e.Length; i++)
                if (e[i] != a[i])
                    Assert.Fail($"{what}: element {Position(expected.Shape, i)} is {a[i]}, expected exactly {e[i]}");
        }
    }

    /// <summary>The values of <paramref name="actual"/> (any dtype) equal <paramref name="expected"/> exactly.</summary>
    public static void Equal<T>(T[] expected, Tensor actual) where T : unmanaged
    {
        Assert.Equal(ScalarTypes.Of<T>(), actual.DType);
        Assert.Equal(expected, actual.ToArray<T>());
    }

    private static string Position(long[] shape, long flat)
    {
        var index = new long[shape.Length];
        for (var d = shape.Length - 1; d >= 0; d--)
        {
            index[d] = flat % shape[d];
            flat /= shape[d];
        }
        return "[" + string.Join(", ", index) + "]";
    }

    private static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>
/// One fixture file of tests/fixtures/torch/make_ops.py (loaded once, shared read-only by the tests).
/// A case "name" holds <c>name/in/*</c>, <c>name/out/i</c>, <c>name/w/i</c> and <c>name/grad/*</c>.
/// </summary>
internal sealed class GoldenFile(string area)
{
    private static readonly ConcurrentDictionary<string, Lazy<IReadOnlyDictionary<string, Tensor>>> Files = new();

    public string Area { get; } = area;

    private IReadOnlyDictionary<string, Tensor> Tensors =>
        Files.GetOrAdd(Area, a => new Lazy<IReadOnlyDictionary<string, Tensor>>(
            () => Fixtures.Load("torch", $"ops_{a}.safetensors").Tensors)).Value;

    public bool Has(string key) => Tensors.ContainsKey(key);

    /// <summary>A stored tensor (shared: never modify it; <see cref="Tensor.Clone"/> it first).</summary>
    public Tensor this[string key] =>
        Tensors.TryGetValue(key, out var t) ? t : throw new KeyNotFoundException($"fixture ops_{Area}.safetensors has no tensor '{key}' (re-run make_ops.py?)");

    public IEnumerable<string> Keys(string prefix) => Tensors.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>Runs a one-output case (see <see cref="Check(string, Func{GoldenCase, IEnumerable{Tensor}}, Tolerance?)"/>).</summary>
    public void Check(string name, Func<GoldenCase, Tensor> op, Tolerance? tolerance = null) =>
        Check(name, c => [op(c)], tolerance);

    /// <summary>
    /// Runs <paramref name="op"/> on fresh copies of the case's inputs (floating inputs with a stored
    /// gradient require grad), compares every output with PyTorch's, then back-propagates
    /// Σ (out_i · w_i).sum() and compares the input gradients.
    /// </summary>
    public void Check(string name, Func<GoldenCase, IEnumerable<Tensor>> op, Tolerance? tolerance = null)
    {
        using var scope = DisposeScope.Enter();
        var c = new GoldenCase(this, name);
        var outputs = op(c).ToArray();
        var expectedCount = Keys($"{name}/out/").Count();
        if (expectedCount == 0) Assert.Fail($"{name}: the fixture has no outputs for this case");
        Assert.True(expectedCount == outputs.Length, $"{name}: {outputs.Length} outputs, PyTorch gives {expectedCount}");
        for (var i = 0; i < outputs.Length; i++)
            TensorAssert.Close(this[$"{name}/out/{i}"], outputs[i], $"{name} output {i}", tolerance);

        Tensor? loss = null;
        for (var i = 0; i < outputs.Length; i++)
        {
            if (!Has($"{name}/w/{i}")) continue;
            Assert.True(outputs[i].RequiresGrad, $"{name}: output {i} does not require grad, but PyTorch's does");
            var term = outputs[i].Mul(this[$"{name}/w/{i}"]).Sum();
            loss = loss is null ? term : loss.Add(term);
        }
        var gradKeys = Keys($"{name}/grad/").ToList();
        if (loss is null)
        {
            Assert.Empty(gradKeys);
            return;
        }
        loss.Backward();
        Assert.NotEmpty(gradKeys);
        foreach (var key in gradKeys)
        {
            var input = key[(name.Length + "/grad/".Length)..];
            var expected = this[key];
            var grad = c.Input(input).Grad ?? Tensor.ZerosLike(expected);
            TensorAssert.Close(expected, grad, $"{name} d/d{input}", tolerance);
        }
    }
}

/// <summary>The inputs of one golden case, each a fresh copy made on first use.</summary>
internal sealed class GoldenCase(GoldenFile file, string name)
{
    private readonly Dictionary<string, Tensor> _inputs = [];

    /// <summary>Input <paramref name="input"/>: a copy that requires grad when PyTorch's did.</summary>
    public Tensor this[string input] => Input(input);

    public Tensor Input(string input)
    {
        if (_inputs.TryGetValue(input, out var t)) return t;
        using var stored = file[$"{name}/in/{input}"].Detach();
        t = stored.Clone();
        if (file.Has($"{name}/grad/{input}")) t.RequiresGrad_();
        _inputs[input] = t;
        return t;
    }
}
