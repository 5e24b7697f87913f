namespace Ocular.Torch.Tests;

/// <summary>
/// Element-wise operations, operators, broadcasting and PyTorch's type promotion against
/// tests/fixtures/torch/ops_elementwise.safetensors.
/// </summary>
public class ElementwiseTests
{
    private static readonly GoldenFile G = new("elementwise");

    [Fact] public void Add() => G.Check("add", c => c["a"] + c["b"]);
    [Fact] public void Sub() => G.Check("sub", c => c["a"] - c["b"]);
    [Fact] public void Mul() => G.Check("mul", c => c["a"] * c["b"]);
    [Fact] public void Div() => G.Check("div", c => c["a"] / c["b"]);
    [Fact] public void AddWithAlpha() => G.Check("add_alpha", c => c["a"].Add(c["b"], -0.75));
    [Fact] public void Neg() => G.Check("neg", c => -c["x"]);

    [Fact]
    public void ScalarOperators() => G.Check("scalar_ops", c =>
    {
        var x = c["x"];
        return [x + 2, x - 2.5, x * 3, x / 4, 1 + x, 3 * x];
    });

    [Fact]
    public void ScalarFirstOperators() => G.Check("scalar_first", c =>
    {
        var x = c["x"];
        return [2 - x, 2 / x, 0.5 - x];
    });

    [Fact]
    public void PromotionInt64() => G.Check("promote_i64", c =>
    {
        var i = c["i"];
        return [i + 2, i + 2.5, i / 2, i * 2, 2 - i, 7 / i.Clamp(min: 1), i + true];
    });

    [Fact]
    public void PromotionInt32() => G.Check("promote_i32", c =>
    {
        var (i, j) = (c["i"], c["j"]);
        return [i + 2, i * 2.5, 2 - i, i + j, i.FloorDivide(2), i.Remainder(4), i.To(ScalarType.Float32) + i];
    });

    [Fact]
    public void PromotionUInt8() => G.Check("promote_u8", c =>
    {
        var u = c["u"];
        return [u + 1, u * 1.5, u + 100, 3 - u];
    });

    [Fact]
    public void PromotionBool() => G.Check("promote_bool", c =>
    {
        var b = c["b"];
        return [b + 1, b * 2.5, b + b];
    });

    [Fact]
    public void PromotionFloat16() => G.Check("promote_f16", c =>
    {
        var h = c["h"];
        return [h + 1, h * 2.5, h + 1.0];
    });

    [Fact]
    public void PromotionMixedTensors() => G.Check("promote_mixed", c =>
    {
        var (f, d, i) = (c["f"], c["d"], c["i"]);
        return [f + d, f + i, f * d[0], d * i, f + Tensor.FromScalar(2.5, ScalarType.Float64)];
    });

    [Fact]
    public void FloorDivideAndRemainder() => G.Check("floor_div_rem", c =>
    {
        var (i, x) = (c["i"], c["x"]);
        return [i.FloorDivide(3), i.Remainder(4), x.Remainder(1.5), i.FloorDivide(-2)];
    });

    [Fact]
    public void CompareTensors() => G.Check("compare_tensor", c =>
    {
        var (a, b) = (c["a"], c["b"]);
        return [a.Eq(b), a.Ne(b), a.Lt(b), a.Le(b), a.Gt(b), a.Ge(b)];
    });

    [Fact]
    public void CompareScalars() => G.Check("compare_scalar", c =>
    {
        var a = c["a"];
        return [a.Eq(1), a.Ne(1), a.Lt(1), a.Le(1), a.Gt(1.5), a.Ge(2)];
    });

    [Fact]
    public void ComparisonRemainderAndLogicOperators() => G.Check("operators", c =>
    {
        var (a, b, m, n) = (c["a"], c["b"], c["m"], c["n"]);
        return [a % 1.5, a % b, a < b, a > 0.5, a <= b, a >= -0.25, 0.5 < a, 0.5 >= a, m & n, m | n, ~m];
    });

    [Fact]
    public void ToDtypeCarriesGradients() => G.Check("to_dtype_grad", c =>
    {
        var x = c["x"];
        return [x.To(ScalarType.Float64), x.To(ScalarType.Float64).To(ScalarType.Float32) * 3, x.To(ScalarType.Float16).To(ScalarType.Float32)];
    });

    [Fact] public void Where() => G.Check("where", c => Tensor.Where(c["c"], c["a"], c["b"]));
    [Fact] public void WhereScalar() => G.Check("where_scalar", c => Tensor.Where(c["c"], c["a"], 0.25));

    [Fact]
    public void Clamp() => G.Check("clamp", c =>
    {
        var x = c["x"];
        return [x.Clamp(-0.5, 0.5), x.Clamp(min: 0.1), x.Clamp(max: -0.2)];
    });

    [Fact] public void ClampInt() => G.Check("clamp_int", c => [c["i"].Clamp(-3, 4), c["i"].Clamp(min: 0)]);
    [Fact] public void ClampTensor() => G.Check("clamp_tensor", c => c["x"].Clamp(c["lo"], c["hi"]));
    [Fact] public void Abs() => G.Check("abs", c => c["x"].Abs());
    [Fact] public void Exp() => G.Check("exp", c => c["x"].Exp());
    [Fact] public void Log() => G.Check("log", c => c["x"].Log());
    [Fact] public void Sqrt() => G.Check("sqrt", c => c["x"].Sqrt());
    [Fact] public void PowScalar() => G.Check("pow_scalar", c => [c["x"].Pow(2.5), c["x"].Pow(2), c["x"].Pow(-1)]);
    [Fact] public void PowTensor() => G.Check("pow_tensor", c => c["x"].Pow(c["e"]));
    [Fact] public void Sigmoid() => G.Check("sigmoid", c => c["x"].Sigmoid());
    [Fact] public void Tanh() => G.Check("tanh", c => c["x"].Tanh());
    [Fact] public void Relu() => G.Check("relu", c => c["x"].Relu());

    [Fact]
    public void UnaryFloat64() => G.Check("unary_f64", c =>
    {
        var x = c["x"];
        return [x.Exp(), (x.Abs() + 0.1).Log(), x.Sigmoid(), x.Tanh(), (x * x + 1).Sqrt(), x.Relu(), x.Abs()];
    });

    [Fact]
    public void BinaryFloat64() => G.Check("binary_f64", c =>
    {
        var (a, b) = (c["a"], c["b"]);
        return [a + b, a - b, a * b, a / (b.Abs() + 0.5), 1 - a, a.Pow(2)];
    });

    [Fact]
    public void Logic() => G.Check("logic", c =>
    {
        var (a, b) = (c["a"], c["b"]);
        return [a.LogicalAnd(b), a.LogicalOr(b), a.LogicalXor(b), a.LogicalNot()];
    });

    [Fact] public void MaximumMinimum() => G.Check("maximum_minimum", c => [c["a"].Maximum(c["b"]), c["a"].Minimum(c["b"])]);

    [Fact]
    public void IntegerDivisionByZeroIsTorchException()
    {
        using var i = Tensor.FromArray(new long[] { 1, 2 });
        using var z = Tensor.FromArray(new long[] { 1, 0 });
        var e = Assert.Throws<TorchException>(() => i.FloorDivide(z));
        Assert.Contains("ZeroDivisionError", e.Message);
    }
}
