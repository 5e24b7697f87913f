namespace Ocular.Torch.Nn;

/// <summary>
/// Weight initialisation with PyTorch's formulas (<c>torch.nn.init</c>). Every function fills the
/// tensor in place without recording gradients; with the same seed and call order they draw the
/// same numbers as PyTorch.
/// </summary>
public static class Init
{
    /// <summary>Which fan the Kaiming initialisers preserve.</summary>
    public enum FanMode
    {
        /// <summary>Preserves the variance in the forward pass.</summary>
        FanIn,
        /// <summary>Preserves the variance in the backward pass.</summary>
        FanOut,
    }

    /// <summary>(fan_in, fan_out) as PyTorch computes them: in/out features times the receptive field size.</summary>
    public static (long FanIn, long FanOut) CalculateFanInAndFanOut(Tensor tensor)
    {
        var shape = tensor.Shape;
        if (shape.Length < 2)
            throw new ArgumentException($"fan in and fan out need at least 2 dimensions, got shape {Tensor.ShapeString(shape)}");
        var receptive = shape.Skip(2).Aggregate(1L, (a, b) => a * b);
        return (shape[1] * receptive, shape[0] * receptive);
    }

    /// <summary>The recommended gain for a non-linearity (<c>nn.init.calculate_gain</c>).</summary>
    public static double CalculateGain(string nonlinearity, double? param = null) => nonlinearity switch
    {
        "linear" or "conv1d" or "conv2d" or "conv3d" or "conv_transpose1d" or "conv_transpose2d" or "conv_transpose3d" or "sigmoid" => 1.0,
        "tanh" => 5.0 / 3,
        "relu" => Math.Sqrt(2.0),
        "leaky_relu" => Math.Sqrt(2.0 / (1 + Math.Pow(param ?? 0.01, 2))),
        "selu" => 3.0 / 4,
        _ => throw new ArgumentException($"unsupported nonlinearity '{nonlinearity}'", nameof(nonlinearity)),
    };

    private static long Fan(Tensor tensor, FanMode mode)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        return mode == FanMode.FanIn ? fanIn : fanOut;
    }

    /// <summary>U(−b, b) with b = gain·√(3/fan) (He et al. 2015).</summary>
    public static Tensor KaimingUniform_(Tensor tensor, double a = 0, FanMode mode = FanMode.FanIn, string nonlinearity = "leaky_relu", Generator? generator = null)
    {
        var std = CalculateGain(nonlinearity, a) / Math.Sqrt(Fan(tensor, mode));
        var bound = Math.Sqrt(3.0) * std;
        return Uniform_(tensor, -bound, bound, generator);
    }

    /// <summary>N(0, std²) with std = gain/√fan (He et al. 2015).</summary>
    public static Tensor KaimingNormal_(Tensor tensor, double a = 0, FanMode mode = FanMode.FanIn, string nonlinearity = "leaky_relu", Generator? generator = null)
    {
        var std = CalculateGain(nonlinearity, a) / Math.Sqrt(Fan(tensor, mode));
        return Normal_(tensor, 0, std, generator);
    }

    /// <summary>U(−b, b) with b = √3·gain·√(2/(fan_in + fan_out)) (Glorot &amp; Bengio 2010).</summary>
    public static Tensor XavierUniform_(Tensor tensor, double gain = 1, Generator? generator = null)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        // PyTorch's order of operations (std first, then √3·std), so the bound is the same double.
        var std = gain * Math.Sqrt(2.0 / (fanIn + fanOut));
        var bound = Math.Sqrt(3.0) * std;
        return Uniform_(tensor, -bound, bound, generator);
    }

    /// <summary>N(0, std²) with std = gain·√(2/(fan_in + fan_out)).</summary>
    public static Tensor XavierNormal_(Tensor tensor, double gain = 1, Generator? generator = null)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        return Normal_(tensor, 0, gain * Math.Sqrt(2.0 / (fanIn + fanOut)), generator);
    }

    /// <summary>U(a, b).</summary>
    public static Tensor Uniform_(Tensor tensor, double a = 0, double b = 1, Generator? generator = null)
    {
        using (Autograd.NoGrad()) return tensor.Uniform_(a, b, generator);
    }

    /// <summary>N(mean, std²).</summary>
    public static Tensor Normal_(Tensor tensor, double mean = 0, double std = 1, Generator? generator = null)
    {
        using (Autograd.NoGrad()) return tensor.Normal_(mean, std, generator);
    }

    /// <summary>Every element = <paramref name="value"/>.</summary>
    public static Tensor Constant_(Tensor tensor, Scalar value)
    {
        using (Autograd.NoGrad()) return tensor.Fill_(value);
    }

    /// <summary>Every element = 0.</summary>
    public static Tensor Zeros_(Tensor tensor) => Constant_(tensor, 0);

    /// <summary>Every element = 1.</summary>
    public static Tensor Ones_(Tensor tensor) => Constant_(tensor, 1);
}
