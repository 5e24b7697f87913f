namespace Ocular.Torch.Nn;

/// <summary>max(x, 0) (<c>nn.ReLU</c>); in place when asked (as torchvision's blocks do).</summary>
public sealed class ReLU(bool inplace = false) : Module
{
    /// <summary>Whether the input is overwritten.</summary>
    public bool Inplace { get; } = inplace;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Inplace ? input.Relu_().Alias() : input.Relu();

    /// <inheritdoc/>
    protected override string ExtraRepr() => Inplace ? "inplace=True" : "";
}

/// <summary>1/(1 + e^−x) (<c>nn.Sigmoid</c>).</summary>
public sealed class Sigmoid : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input.Sigmoid();
}

/// <summary>tanh(x) (<c>nn.Tanh</c>).</summary>
public sealed class Tanh : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input.Tanh();
}

/// <summary>Returns its input (<c>nn.Identity</c>), e.g. to remove a head.</summary>
public sealed class Identity : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input.Alias();
}

/// <summary>Flattens dimensions <c>startDim</c> … <c>endDim</c> (<c>nn.Flatten</c>, default from 1).</summary>
public sealed class Flatten(long startDim = 1, long endDim = -1) : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input.Flatten(startDim, endDim);
}

/// <summary>Dropout (<c>nn.Dropout</c>): active only in training mode.</summary>
public sealed class Dropout(double p = 0.5, bool inplace = false) : Module
{
    /// <summary>The drop probability.</summary>
    public double P { get; } = p is >= 0 and <= 1 ? p : throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability must be in [0, 1]");

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.Dropout(input, P, Training, inplace);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"p={P}";
}

/// <summary>2-D max pooling (<c>nn.MaxPool2d</c>).</summary>
public sealed class MaxPool2d(Pair kernelSize, Pair? stride = null, Pair? padding = null, Pair? dilation = null, bool ceilMode = false) : Module
{
    /// <summary>The window size.</summary>
    public Pair KernelSize => kernelSize;

    /// <summary>The stride (the window size when not given).</summary>
    public Pair Stride => stride ?? kernelSize;

    /// <summary>The implicit padding on each side.</summary>
    public Pair Padding => padding ?? 0;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.MaxPool2d(input, kernelSize, stride, padding, dilation, ceilMode);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"kernel_size={kernelSize}, stride={stride ?? kernelSize}, padding={padding ?? 0}";
}

/// <summary>2-D average pooling (<c>nn.AvgPool2d</c>).</summary>
public sealed class AvgPool2d(Pair kernelSize, Pair? stride = null, Pair? padding = null, bool ceilMode = false, bool countIncludePad = true) : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.AvgPool2d(input, kernelSize, stride, padding, ceilMode, countIncludePad);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"kernel_size={kernelSize}, stride={stride ?? kernelSize}";
}

/// <summary>Average pooling to a fixed output size (<c>nn.AdaptiveAvgPool2d</c>).</summary>
public sealed class AdaptiveAvgPool2d(Pair outputSize) : Module
{
    /// <summary>The output size.</summary>
    public Pair OutputSize { get; } = outputSize;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.AdaptiveAvgPool2d(input, OutputSize);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"output_size={OutputSize}";
}

/// <summary>Max pooling to a fixed output size (<c>nn.AdaptiveMaxPool2d</c>).</summary>
public sealed class AdaptiveMaxPool2d(Pair outputSize) : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.AdaptiveMaxPool2d(input, outputSize);
}
