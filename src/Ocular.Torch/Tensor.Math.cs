using Ocular.Torch.Interop;

namespace Ocular.Torch;

/// <summary>Codes of the shim's unary family (native/src/math.cpp).</summary>
internal enum UnaryOp
{
    Neg = 0, Abs = 1, Exp = 2, Log = 3, Sqrt = 4, Rsqrt = 5, Sigmoid = 6, Tanh = 7, Relu = 8, Sin = 9, Cos = 10,
    Floor = 11, Ceil = 12, Round = 13, Sign = 14, Reciprocal = 15, Square = 16, LogicalNot = 17, IsNan = 18,
    Log1p = 19, Expm1 = 20, Log2 = 21, Erf = 22, Gelu = 23, Silu = 24, Softplus = 25, Relu6 = 26, LogSigmoid = 27,
    Trunc = 28, IsInf = 29, IsFinite = 30, BitwiseNot = 31,
}

/// <summary>Codes of the shim's binary family (native/src/math.cpp).</summary>
internal enum BinaryOp
{
    Add = 0, Sub = 1, Mul = 2, Div = 3, Pow = 4, Remainder = 5, Maximum = 6, Minimum = 7, Eq = 8, Ne = 9, Lt = 10,
    Le = 11, Gt = 12, Ge = 13, LogicalAnd = 14, LogicalOr = 15, LogicalXor = 16, FloorDivide = 17, Atan2 = 18,
    BitwiseAnd = 19, BitwiseOr = 20,
}

public partial class Tensor
{
    private Tensor Unary(UnaryOp op) => Wrap(Native.ocl_unary((int)op, Handle));

    private Tensor Unary_(UnaryOp op)
    {
        TorchException.Check(Native.ocl_unary_((int)op, Handle));
        return this;
    }

    private Tensor Binary(BinaryOp op, Tensor other) => Wrap(Native.ocl_binary((int)op, Handle, other.Handle));

    private Tensor Binary(BinaryOp op, Scalar other) => Wrap(Native.ocl_binary_scalar((int)op, Handle, other.Native));

    private static Tensor Binary(BinaryOp op, Scalar left, Tensor right) => Wrap(Native.ocl_scalar_binary((int)op, left.Native, right.Handle));

    private Tensor Binary_(BinaryOp op, Tensor other)
    {
        TorchException.Check(Native.ocl_binary_((int)op, Handle, other.Handle));
        return this;
    }

    private Tensor Binary_(BinaryOp op, Scalar other)
    {
        TorchException.Check(Native.ocl_binary_scalar_((int)op, Handle, other.Native));
        return this;
    }

    private Tensor InPlaceResult(IntPtr handle)
    {
        // In-place shim calls return a new handle to the same tensor; this object already is that tensor.
        if (handle == IntPtr.Zero) throw TorchException.FromLastError();
        Native.ocl_free(handle);
        return this;
    }

    // ------------------------------------------------------------ arithmetic

    /// <summary>this + other (broadcasting).</summary>
    public Tensor Add(Tensor other) => Binary(BinaryOp.Add, other);
    /// <summary>this + alpha·other.</summary>
    public Tensor Add(Tensor other, Scalar alpha) => Wrap(Native.ocl_add_scaled(Handle, other.Handle, alpha.Native, 0));
    /// <summary>this + value.</summary>
    public Tensor Add(Scalar value) => Binary(BinaryOp.Add, value);
    /// <summary>this − other.</summary>
    public Tensor Sub(Tensor other) => Binary(BinaryOp.Sub, other);
    /// <summary>this − value.</summary>
    public Tensor Sub(Scalar value) => Binary(BinaryOp.Sub, value);
    /// <summary>this × other (element-wise).</summary>
    public Tensor Mul(Tensor other) => Binary(BinaryOp.Mul, other);
    /// <summary>this × value.</summary>
    public Tensor Mul(Scalar value) => Binary(BinaryOp.Mul, value);
    /// <summary>this ÷ other (true division).</summary>
    public Tensor Div(Tensor other) => Binary(BinaryOp.Div, other);
    /// <summary>this ÷ value (true division).</summary>
    public Tensor Div(Scalar value) => Binary(BinaryOp.Div, value);
    /// <summary>⌊this ÷ other⌋.</summary>
    public Tensor FloorDivide(Tensor other) => Binary(BinaryOp.FloorDivide, other);
    /// <summary>⌊this ÷ value⌋.</summary>
    public Tensor FloorDivide(Scalar value) => Binary(BinaryOp.FloorDivide, value);
    /// <summary>this ^ exponent.</summary>
    public Tensor Pow(Tensor exponent) => Binary(BinaryOp.Pow, exponent);
    /// <summary>this ^ exponent.</summary>
    public Tensor Pow(Scalar exponent) => Binary(BinaryOp.Pow, exponent);
    /// <summary>Python's modulus (sign of the divisor).</summary>
    public Tensor Remainder(Tensor other) => Binary(BinaryOp.Remainder, other);
    /// <summary>Python's modulus (sign of the divisor).</summary>
    public Tensor Remainder(Scalar value) => Binary(BinaryOp.Remainder, value);
    /// <summary>Element-wise maximum.</summary>
    public Tensor Maximum(Tensor other) => Binary(BinaryOp.Maximum, other);
    /// <summary>Element-wise minimum.</summary>
    public Tensor Minimum(Tensor other) => Binary(BinaryOp.Minimum, other);
    /// <summary>Four-quadrant arctangent of this / other.</summary>
    public Tensor Atan2(Tensor other) => Binary(BinaryOp.Atan2, other);

    /// <summary>−this.</summary>
    public Tensor Neg() => Unary(UnaryOp.Neg);
    /// <summary>|this|.</summary>
    public Tensor Abs() => Unary(UnaryOp.Abs);
    /// <summary>e^this.</summary>
    public Tensor Exp() => Unary(UnaryOp.Exp);
    /// <summary>e^this − 1.</summary>
    public Tensor Expm1() => Unary(UnaryOp.Expm1);
    /// <summary>Natural logarithm.</summary>
    public Tensor Log() => Unary(UnaryOp.Log);
    /// <summary>Base-2 logarithm.</summary>
    public Tensor Log2() => Unary(UnaryOp.Log2);
    /// <summary>log(1 + this).</summary>
    public Tensor Log1p() => Unary(UnaryOp.Log1p);
    /// <summary>Square root.</summary>
    public Tensor Sqrt() => Unary(UnaryOp.Sqrt);
    /// <summary>1 / √this.</summary>
    public Tensor Rsqrt() => Unary(UnaryOp.Rsqrt);
    /// <summary>1 / (1 + e^−this).</summary>
    public Tensor Sigmoid() => Unary(UnaryOp.Sigmoid);
    /// <summary>log(sigmoid(this)).</summary>
    public Tensor LogSigmoid() => Unary(UnaryOp.LogSigmoid);
    /// <summary>Hyperbolic tangent.</summary>
    public Tensor Tanh() => Unary(UnaryOp.Tanh);
    /// <summary>max(this, 0).</summary>
    public Tensor Relu() => Unary(UnaryOp.Relu);
    /// <summary>min(max(this, 0), 6).</summary>
    public Tensor Relu6() => Unary(UnaryOp.Relu6);
    /// <summary>GELU (exact, erf form).</summary>
    public Tensor Gelu() => Unary(UnaryOp.Gelu);
    /// <summary>this · sigmoid(this).</summary>
    public Tensor Silu() => Unary(UnaryOp.Silu);
    /// <summary>log(1 + e^this).</summary>
    public Tensor Softplus() => Unary(UnaryOp.Softplus);
    /// <summary>Sine.</summary>
    public Tensor Sin() => Unary(UnaryOp.Sin);
    /// <summary>Cosine.</summary>
    public Tensor Cos() => Unary(UnaryOp.Cos);
    /// <summary>Error function.</summary>
    public Tensor Erf() => Unary(UnaryOp.Erf);
    /// <summary>Rounds down.</summary>
    public Tensor Floor() => Unary(UnaryOp.Floor);
    /// <summary>Rounds up.</summary>
    public Tensor Ceil() => Unary(UnaryOp.Ceil);
    /// <summary>Rounds half to even.</summary>
    public Tensor Round() => Unary(UnaryOp.Round);
    /// <summary>Rounds towards zero.</summary>
    public Tensor Trunc() => Unary(UnaryOp.Trunc);
    /// <summary>−1, 0 or 1.</summary>
    public Tensor Sign() => Unary(UnaryOp.Sign);
    /// <summary>1 / this.</summary>
    public Tensor Reciprocal() => Unary(UnaryOp.Reciprocal);
    /// <summary>this².</summary>
    public Tensor Square() => Unary(UnaryOp.Square);
    /// <summary>True where the value is NaN.</summary>
    public Tensor IsNan() => Unary(UnaryOp.IsNan);
    /// <summary>True where the value is ±∞.</summary>
    public Tensor IsInf() => Unary(UnaryOp.IsInf);
    /// <summary>True where the value is finite.</summary>
    public Tensor IsFinite() => Unary(UnaryOp.IsFinite);
    /// <summary>Logical negation (non-zero → false).</summary>
    public Tensor LogicalNot() => Unary(UnaryOp.LogicalNot);
    /// <summary>Bit-wise negation (logical for bool).</summary>
    public Tensor BitwiseNot() => Unary(UnaryOp.BitwiseNot);
    /// <summary>max(this, 0) with a slope for negative values.</summary>
    public Tensor LeakyRelu(double negativeSlope = 0.01) => Wrap(Native.ocl_leaky_relu(Handle, negativeSlope));

    // ------------------------------------------------------------ comparison and logic

    /// <summary>this == other.</summary>
    public Tensor Eq(Tensor other) => Binary(BinaryOp.Eq, other);
    /// <summary>this == value.</summary>
    public Tensor Eq(Scalar value) => Binary(BinaryOp.Eq, value);
    /// <summary>this ≠ other.</summary>
    public Tensor Ne(Tensor other) => Binary(BinaryOp.Ne, other);
    /// <summary>this ≠ value.</summary>
    public Tensor Ne(Scalar value) => Binary(BinaryOp.Ne, value);
    /// <summary>this &lt; other.</summary>
    public Tensor Lt(Tensor other) => Binary(BinaryOp.Lt, other);
    /// <summary>this &lt; value.</summary>
    public Tensor Lt(Scalar value) => Binary(BinaryOp.Lt, value);
    /// <summary>this ≤ other.</summary>
    public Tensor Le(Tensor other) => Binary(BinaryOp.Le, other);
    /// <summary>this ≤ value.</summary>
    public Tensor Le(Scalar value) => Binary(BinaryOp.Le, value);
    /// <summary>this &gt; other.</summary>
    public Tensor Gt(Tensor other) => Binary(BinaryOp.Gt, other);
    /// <summary>this &gt; value.</summary>
    public Tensor Gt(Scalar value) => Binary(BinaryOp.Gt, value);
    /// <summary>this ≥ other.</summary>
    public Tensor Ge(Tensor other) => Binary(BinaryOp.Ge, other);
    /// <summary>this ≥ value.</summary>
    public Tensor Ge(Scalar value) => Binary(BinaryOp.Ge, value);
    /// <summary>Logical and.</summary>
    public Tensor LogicalAnd(Tensor other) => Binary(BinaryOp.LogicalAnd, other);
    /// <summary>Logical or.</summary>
    public Tensor LogicalOr(Tensor other) => Binary(BinaryOp.LogicalOr, other);
    /// <summary>Logical exclusive or.</summary>
    public Tensor LogicalXor(Tensor other) => Binary(BinaryOp.LogicalXor, other);
    /// <summary>Bit-wise and (logical for bool).</summary>
    public Tensor BitwiseAnd(Tensor other) => Binary(BinaryOp.BitwiseAnd, other);
    /// <summary>Bit-wise or (logical for bool).</summary>
    public Tensor BitwiseOr(Tensor other) => Binary(BinaryOp.BitwiseOr, other);

    /// <summary>True when both tensors have the same shape and elements.</summary>
    public bool Equal(Tensor other) => TorchException.Check(Native.ocl_equal(Handle, other.Handle)) == 1;

    /// <summary>|this − other| ≤ atol + rtol·|other| everywhere (as <c>torch.allclose</c>).</summary>
    public bool AllClose(Tensor other, double rtol = 1e-5, double atol = 1e-8, bool equalNan = false) =>
        TorchException.Check(Native.ocl_allclose(Handle, other.Handle, rtol, atol, equalNan ? 1 : 0)) == 1;

    /// <summary>Elements of <paramref name="a"/> where <paramref name="condition"/> is true, else of <paramref name="b"/>.</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b) => Wrap(Native.ocl_where(condition.Handle, a.Handle, b.Handle));

    /// <summary>Elements of <paramref name="a"/> where <paramref name="condition"/> is true, else <paramref name="b"/>.</summary>
    public static Tensor Where(Tensor condition, Tensor a, Scalar b) => Wrap(Native.ocl_where_scalar(condition.Handle, a.Handle, b.Native));

    /// <summary>Clamps into [min, max]; a null bound is open.</summary>
    public Tensor Clamp(Scalar? min = null, Scalar? max = null) =>
        Wrap(Native.ocl_clamp(Handle, (min ?? 0).Native, min.HasValue ? 1 : 0, (max ?? 0).Native, max.HasValue ? 1 : 0, 0));

    /// <summary>Clamps element-wise between tensors; a null bound is open.</summary>
    public Tensor Clamp(Tensor? min, Tensor? max) => Wrap(Native.ocl_clamp_tensor(Handle, HandleOf(min), HandleOf(max)));

    /// <summary>max(this, min).</summary>
    public Tensor ClampMin(Scalar min) => Clamp(min, null);

    /// <summary>min(this, max).</summary>
    public Tensor ClampMax(Scalar max) => Clamp(null, max);

    /// <summary>this + weight·(end − this).</summary>
    public Tensor Lerp(Tensor end, Scalar weight) => Wrap(Native.ocl_lerp(Handle, end.Handle, weight.Native, 0));

    /// <summary>this + value·t1·t2.</summary>
    public Tensor Addcmul(Tensor t1, Tensor t2, Scalar value) => Wrap(Native.ocl_addcmul(Handle, t1.Handle, t2.Handle, value.Native, 0));

    /// <summary>this + value·t1/t2.</summary>
    public Tensor Addcdiv(Tensor t1, Tensor t2, Scalar value) => Wrap(Native.ocl_addcdiv(Handle, t1.Handle, t2.Handle, value.Native, 0));

    // ------------------------------------------------------------ in place (autograd's in-place rules apply)

    /// <summary>In place: this += alpha·other.</summary>
    public Tensor Add_(Tensor other, Scalar? alpha = null) =>
        alpha is null ? Binary_(BinaryOp.Add, other) : InPlaceResult(Native.ocl_add_scaled(Handle, other.Handle, alpha.Value.Native, 1));
    /// <summary>In place: this += value.</summary>
    public Tensor Add_(Scalar value) => Binary_(BinaryOp.Add, value);
    /// <summary>In place: this −= other.</summary>
    public Tensor Sub_(Tensor other) => Binary_(BinaryOp.Sub, other);
    /// <summary>In place: this −= value.</summary>
    public Tensor Sub_(Scalar value) => Binary_(BinaryOp.Sub, value);
    /// <summary>In place: this ×= other.</summary>
    public Tensor Mul_(Tensor other) => Binary_(BinaryOp.Mul, other);
    /// <summary>In place: this ×= value.</summary>
    public Tensor Mul_(Scalar value) => Binary_(BinaryOp.Mul, value);
    /// <summary>In place: this ÷= other.</summary>
    public Tensor Div_(Tensor other) => Binary_(BinaryOp.Div, other);
    /// <summary>In place: this ÷= value.</summary>
    public Tensor Div_(Scalar value) => Binary_(BinaryOp.Div, value);
    /// <summary>In place: this ^= exponent.</summary>
    public Tensor Pow_(Scalar exponent) => Binary_(BinaryOp.Pow, exponent);
    /// <summary>In place: element-wise maximum with other.</summary>
    public Tensor Maximum_(Tensor other) => Binary_(BinaryOp.Maximum, other);
    /// <summary>In place: this += value·t1·t2.</summary>
    public Tensor Addcmul_(Tensor t1, Tensor t2, Scalar value) => InPlaceResult(Native.ocl_addcmul(Handle, t1.Handle, t2.Handle, value.Native, 1));
    /// <summary>In place: this += value·t1/t2.</summary>
    public Tensor Addcdiv_(Tensor t1, Tensor t2, Scalar value) => InPlaceResult(Native.ocl_addcdiv(Handle, t1.Handle, t2.Handle, value.Native, 1));
    /// <summary>In place: this += weight·(end − this).</summary>
    public Tensor Lerp_(Tensor end, Scalar weight) => InPlaceResult(Native.ocl_lerp(Handle, end.Handle, weight.Native, 1));
    /// <summary>In place: clamps into [min, max].</summary>
    public Tensor Clamp_(Scalar? min = null, Scalar? max = null) =>
        InPlaceResult(Native.ocl_clamp(Handle, (min ?? 0).Native, min.HasValue ? 1 : 0, (max ?? 0).Native, max.HasValue ? 1 : 0, 1));
    /// <summary>In place: −this.</summary>
    public Tensor Neg_() => Unary_(UnaryOp.Neg);
    /// <summary>In place: |this|.</summary>
    public Tensor Abs_() => Unary_(UnaryOp.Abs);
    /// <summary>In place: e^this.</summary>
    public Tensor Exp_() => Unary_(UnaryOp.Exp);
    /// <summary>In place: log(this).</summary>
    public Tensor Log_() => Unary_(UnaryOp.Log);
    /// <summary>In place: √this.</summary>
    public Tensor Sqrt_() => Unary_(UnaryOp.Sqrt);
    /// <summary>In place: sigmoid(this).</summary>
    public Tensor Sigmoid_() => Unary_(UnaryOp.Sigmoid);
    /// <summary>In place: tanh(this).</summary>
    public Tensor Tanh_() => Unary_(UnaryOp.Tanh);
    /// <summary>In place: max(this, 0).</summary>
    public Tensor Relu_() => Unary_(UnaryOp.Relu);
    /// <summary>In place: 1/this.</summary>
    public Tensor Reciprocal_() => Unary_(UnaryOp.Reciprocal);
    /// <summary>In place: this².</summary>
    public Tensor Square_() => Unary_(UnaryOp.Square);
    /// <summary>In place: rounds down.</summary>
    public Tensor Floor_() => Unary_(UnaryOp.Floor);

    /// <summary>In place: every element set to <paramref name="value"/>.</summary>
    public Tensor Fill_(Scalar value)
    {
        TorchException.Check(Native.ocl_fill_(Handle, value.Native));
        return this;
    }

    /// <summary>In place: every element set to zero.</summary>
    public Tensor Zero_()
    {
        TorchException.Check(Native.ocl_zero_(Handle));
        return this;
    }

    /// <summary>In place: copies (and broadcasts, converts) <paramref name="source"/> into this tensor.</summary>
    public Tensor Copy_(Tensor source)
    {
        TorchException.Check(Native.ocl_copy_(Handle, source.Handle));
        return this;
    }

    // ------------------------------------------------------------ operators

    /// <summary>Element-wise sum.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);
    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(Tensor a, Scalar b) => a.Add(b);
    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(Scalar a, Tensor b) => b.Add(a);
    /// <summary>Element-wise difference.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);
    /// <summary>Subtracts a scalar.</summary>
    public static Tensor operator -(Tensor a, Scalar b) => a.Sub(b);
    /// <summary>Scalar minus tensor.</summary>
    public static Tensor operator -(Scalar a, Tensor b) => Binary(BinaryOp.Sub, a, b);
    /// <summary>Negation.</summary>
    public static Tensor operator -(Tensor a) => a.Neg();
    /// <summary>Element-wise product.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);
    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(Tensor a, Scalar b) => a.Mul(b);
    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(Scalar a, Tensor b) => b.Mul(a);
    /// <summary>Element-wise true division.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);
    /// <summary>Divides by a scalar.</summary>
    public static Tensor operator /(Tensor a, Scalar b) => a.Div(b);
    /// <summary>Scalar divided by tensor.</summary>
    public static Tensor operator /(Scalar a, Tensor b) => Binary(BinaryOp.Div, a, b);
    /// <summary>Python's <c>%</c>: remainder with the sign of the divisor.</summary>
    public static Tensor operator %(Tensor a, Tensor b) => a.Remainder(b);
    /// <summary>Python's <c>%</c>: remainder with the sign of the divisor.</summary>
    public static Tensor operator %(Tensor a, Scalar b) => a.Remainder(b);

    // Comparisons give bool tensors, as in Python. (== and != keep their .NET meaning, reference
    // equality; use Eq and Ne for element-wise equality.)

    /// <summary>Element-wise a &lt; b.</summary>
    public static Tensor operator <(Tensor a, Tensor b) => a.Lt(b);
    /// <summary>Element-wise a &gt; b.</summary>
    public static Tensor operator >(Tensor a, Tensor b) => a.Gt(b);
    /// <summary>Element-wise a ≤ b.</summary>
    public static Tensor operator <=(Tensor a, Tensor b) => a.Le(b);
    /// <summary>Element-wise a ≥ b.</summary>
    public static Tensor operator >=(Tensor a, Tensor b) => a.Ge(b);
    /// <summary>Element-wise a &lt; b.</summary>
    public static Tensor operator <(Tensor a, Scalar b) => a.Lt(b);
    /// <summary>Element-wise a &gt; b.</summary>
    public static Tensor operator >(Tensor a, Scalar b) => a.Gt(b);
    /// <summary>Element-wise a ≤ b.</summary>
    public static Tensor operator <=(Tensor a, Scalar b) => a.Le(b);
    /// <summary>Element-wise a ≥ b.</summary>
    public static Tensor operator >=(Tensor a, Scalar b) => a.Ge(b);
    /// <summary>Element-wise a &lt; b.</summary>
    public static Tensor operator <(Scalar a, Tensor b) => b.Gt(a);
    /// <summary>Element-wise a &gt; b.</summary>
    public static Tensor operator >(Scalar a, Tensor b) => b.Lt(a);
    /// <summary>Element-wise a ≤ b.</summary>
    public static Tensor operator <=(Scalar a, Tensor b) => b.Ge(a);
    /// <summary>Element-wise a ≥ b.</summary>
    public static Tensor operator >=(Scalar a, Tensor b) => b.Le(a);
    /// <summary>Python's <c>&amp;</c>: bit-wise and (logical for bool masks).</summary>
    public static Tensor operator &(Tensor a, Tensor b) => a.BitwiseAnd(b);
    /// <summary>Python's <c>|</c>: bit-wise or (logical for bool masks).</summary>
    public static Tensor operator |(Tensor a, Tensor b) => a.BitwiseOr(b);
    /// <summary>Python's <c>~</c>: bit-wise not (logical for bool masks).</summary>
    public static Tensor operator ~(Tensor a) => a.BitwiseNot();
}
