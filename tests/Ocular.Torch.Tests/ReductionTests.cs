namespace Ocular.Torch.Tests;

/// <summary>Reductions, sorting, quantiles and matrix products against tests/fixtures/torch/ops_reductions.safetensors.</summary>
public class ReductionTests
{
    private static readonly GoldenFile G = new("reductions");

    [Fact]
    public void Sum() => G.Check("sum", c =>
    {
        var x = c["x"];
        return [x.Sum(), x.Sum(1), x.Sum([0, 2], keepDim: true), x.Sum(-1, keepDim: true)];
    });

    [Fact] public void SumOfIntsIsInt64() => G.Check("sum_int", c => [c["i"].Sum(), c["i"].Sum(1)]);
    [Fact] public void SumOfBools() => G.Check("sum_bool", c => c["b"].Sum());

    [Fact]
    public void Mean() => G.Check("mean", c =>
    {
        var x = c["x"];
        return [x.Mean(), x.Mean(1), x.Mean([0, 2], keepDim: true)];
    });

    [Fact] public void MaxMinAll() => G.Check("max_all", c => [c["x"].Max(), c["x"].Min()]);

    [Fact]
    public void MaxDim() => G.Check("max_dim", c =>
    {
        var (v1, i1) = c["x"].Max(1);
        var (v2, i2) = c["x"].Max(2, keepDim: true);
        return [v1, i1, v2, i2];
    });

    [Fact]
    public void MinDim() => G.Check("min_dim", c =>
    {
        var (v1, i1) = c["x"].Min(0);
        var (v2, i2) = c["x"].Min(-1, keepDim: true);
        return [v1, i1, v2, i2];
    });

    // Ties: amax/amin spread the gradient evenly over equal extremes.
    [Fact]
    public void AmaxAminWithTies() => G.Check("amax_amin", c =>
    {
        var x = c["x"];
        return [x.Amax(1), x.Amin(1, keepDim: true), x.Amax([0, 1]), x.Amin(0)];
    });

    [Fact] public void Amax3d() => G.Check("amax_3d", c => [c["x"].Amax([1, 2]), c["x"].Amin(-1, keepDim: true)]);

    [Fact]
    public void Argmax() => G.Check("argmax", c =>
    {
        var x = c["x"];
        return [x.Argmax(), x.Argmax(1), x.Argmax(2, keepDim: true), x.Argmin(0), x.Argmin()];
    });

    [Fact]
    public void TopK() => G.Check("topk", c =>
    {
        var (v1, i1) = c["x"].TopK(3, dim: 1);
        var (v2, i2) = c["x"].TopK(2, largest: false);
        return [v1, i1, v2, i2];
    });

    [Fact]
    public void Sort() => G.Check("sort", c =>
    {
        var (v1, i1) = c["x"].Sort(dim: 1);
        var (v2, i2) = c["x"].Sort(descending: true);
        return [v1, i1, v2, i2];
    });

    [Fact]
    public void Quantile() => G.Check("quantile", c =>
    {
        var x = c["x"];
        return
        [
            x.Quantile(0.3), x.Quantile(0.75, dim: 1, keepDim: true), x.Quantile(c["q"], dim: 0),
            x.Quantile(0.4, dim: 2, interpolation: "nearest"), x.Quantile(0.4, dim: 2, interpolation: "midpoint"),
            x.Quantile(0.4, dim: 2, interpolation: "lower"), x.Quantile(0.4, dim: 2, interpolation: "higher"),
        ];
    });

    [Fact]
    public void StdVar() => G.Check("std_var", c =>
    {
        var x = c["x"];
        return [x.Std(), x.Std(1), x.Var([0, 2], keepDim: true), x.Var(1, correction: 0), x.Std(2, correction: 0, keepDim: true), x.Var()];
    });

    [Fact]
    public void ReductionsFloat64() => G.Check("reductions_f64", c =>
    {
        var x = c["x"];
        return [x.Sum(1), x.Mean(0), x.Std(1), x.Var(0), x.Amax(1), x.Quantile(0.35, dim: 1)];
    });

    [Fact] public void Matmul2d() => G.Check("matmul_2d", c => c["a"].Matmul(c["b"]));
    [Fact] public void MatmulBatchedBroadcast() => G.Check("matmul_batched", c => c["a"].Matmul(c["b"]));
    [Fact] public void MatmulVectorMatrix() => G.Check("matmul_vec", c => c["a"].Matmul(c["b"]));
    [Fact] public void MatmulFloat64() => G.Check("matmul_f64", c => c["a"].Matmul(c["b"]));
    [Fact] public void Bmm() => G.Check("bmm", c => c["a"].Bmm(c["b"]));

    [Fact]
    public void MatmulShapeMismatchIsTorchException()
    {
        using var a = Tensor.Zeros(2, 3);
        using var b = Tensor.Zeros(4, 5);
        var e = Assert.Throws<TorchException>(() => a.Matmul(b));
        Assert.Contains("cannot be multiplied (2x3 and 4x5)", e.Message);
    }
}
