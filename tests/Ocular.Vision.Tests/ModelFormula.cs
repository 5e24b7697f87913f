using Ocular.Torch;
using Ocular.Torch.Nn;

namespace Ocular.Vision.Tests;

/// <summary>
/// The deterministic weights and inputs of tests/fixtures/models/make_models.py, computed with the
/// same libtorch operations: u = frac(43758.5453·sin(12.9898·j + 78.233·(k + 1))) with
/// j = i mod <see cref="Period"/> for element i of state-dict entry k, mapped by the entry's role
/// (see <see cref="Value"/>). Huge tensors repeat the period, which keeps filling VGG cheap.
/// </summary>
internal static class ModelFormula
{
    private const long Period = 1048573;

    /// <summary>The first min(n, period) elements of the pattern of entry k (float64).</summary>
    private static Tensor Pattern(long n, int k)
    {
        using var i = Tensor.Arange(0, Math.Min(n, Period), 1, ScalarType.Float64);
        using var a = i.Mul(12.9898);
        using var b = a.Add((k + 1) * 78.233);
        using var c = b.Sin();
        using var s = c.Mul(43758.5453);
        using var f = s.Floor();
        return s.Sub(f);
    }

    /// <summary>One period of the value of entry <paramref name="k"/> named <paramref name="key"/> (float64).</summary>
    private static Tensor Value(string key, long[] shape, int k)
    {
        var n = shape.Aggregate(1L, (x, y) => x * y);
        using var u = Pattern(n, k);
        if (key.EndsWith("running_var", StringComparison.Ordinal)) return u.Add(0.5);
        if (key.EndsWith("running_mean", StringComparison.Ordinal) || key.EndsWith(".bias", StringComparison.Ordinal))
        {
            using var centred = u.Sub(0.5);
            return centred.Mul(0.2);
        }
        if (shape.Length >= 2)
        {
            // Conv / linear weights: uniform with variance 1/fan_in.
            var fanIn = n / shape[0];
            using var twice = u.Mul(2);
            using var symmetric = twice.Sub(1);
            return symmetric.Mul(Math.Sqrt(3.0 / fanIn));
        }
        using var scaled = u.Mul(0.4);
        return scaled.Add(0.8); // batch-norm weights
    }

    /// <summary>The value of an entry as float32 in its shape.</summary>
    public static Tensor Entry(string key, long[] shape, int k)
    {
        var result = Tensor.Empty(shape);
        Fill(result, key, k);
        return result;
    }

    private static void Fill(Tensor target, string key, int k)
    {
        using var period = Value(key, target.Shape, k);
        using var flat = target.View(-1);
        var n = target.NumEl;
        for (long start = 0; start < n; start += Period)
        {
            var length = Math.Min(Period, n - start);
            using var source = period.Narrow(0, 0, length);
            using var part = flat.Narrow(0, start, length);
            part.Copy_(source);
        }
    }

    /// <summary>Sets every floating-point parameter and buffer of <paramref name="model"/> by the formula, in state-dict order.</summary>
    public static void Apply(Module model)
    {
        var state = model.StateDict();
        try
        {
            using (Autograd.NoGrad())
            {
                var k = 0;
                foreach (var (key, t) in state)
                {
                    if (t.DType.IsFloatingPoint()) Fill(t, key, k);
                    k++;
                }
            }
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    /// <summary>The formula input [batch, channels, size, size] in [−1, 1) (entry number 9999, a plain pattern).</summary>
    public static Tensor Input(int batch, int channels, int size)
    {
        long n = (long)batch * channels * size * size;
        using var u = Pattern(n, 9999);
        using var twice = u.Mul(2);
        using var value = twice.Sub(1);
        var result = Tensor.Empty([batch, channels, size, size]);
        using var flat = result.View(-1);
        flat.Copy_(value);
        return result;
    }
}
