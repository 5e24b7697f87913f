namespace Ocular.Torch.Nn;

/// <summary>2-D convolution layer (<c>nn.Conv2d</c>), with PyTorch's default initialisation.</summary>
public sealed class Conv2d : Module
{
    /// <summary>Input channels.</summary>
    public long InChannels { get; }
    /// <summary>Output channels.</summary>
    public long OutChannels { get; }
    /// <summary>Kernel size.</summary>
    public Pair KernelSize { get; }
    /// <summary>Stride.</summary>
    public Pair Stride { get; }
    /// <summary>Zero padding.</summary>
    public Pair Padding { get; }
    /// <summary>Dilation.</summary>
    public Pair Dilation { get; }
    /// <summary>Groups.</summary>
    public long Groups { get; }

    /// <summary>The weight [out, in/groups, kH, kW].</summary>
    public Parameter Weight => GetParameter("weight")!;
    /// <summary>The bias [out], or null.</summary>
    public Parameter? Bias => GetParameter("bias");

    /// <summary>
    /// Creates the layer; weights are Kaiming-uniform (a = √5) and the bias U(±1/√fan_in), as PyTorch,
    /// drawn from <paramref name="generator"/> (libtorch's global generator when null, so that
    /// <c>Engine.ManualSeed(s)</c> gives PyTorch's numbers after <c>torch.manual_seed(s)</c>).
    /// </summary>
    public Conv2d(long inChannels, long outChannels, Pair kernelSize, Pair? stride = null, Pair? padding = null, Pair? dilation = null, long groups = 1, bool bias = true, Generator? generator = null)
    {
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"in ({inChannels}) and out ({outChannels}) channels must be divisible by groups ({groups})");
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride ?? 1;
        Padding = padding ?? 0;
        Dilation = dilation ?? 1;
        Groups = groups;
        RegisterParameter("weight", new Parameter(Tensor.Empty([outChannels, inChannels / groups, kernelSize.H, kernelSize.W])));
        RegisterParameter("bias", bias ? new Parameter(Tensor.Empty([outChannels])) : null);
        ResetParameters(generator);
    }

    /// <summary>PyTorch's <c>reset_parameters</c>, drawing from <paramref name="generator"/> (the global generator when null).</summary>
    public void ResetParameters(Generator? generator = null)
    {
        Init.KaimingUniform_(Weight, a: Math.Sqrt(5), generator: generator);
        if (Bias is { } b)
        {
            var (fanIn, _) = Init.CalculateFanInAndFanOut(Weight);
            if (fanIn != 0)
            {
                var bound = 1 / Math.Sqrt(fanIn);
                Init.Uniform_(b, -bound, bound, generator);
            }
        }
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) =>
        Functional.Conv2d(input, Weight, Bias, Stride, Padding, Dilation, Groups);

    /// <inheritdoc/>
    protected override string ExtraRepr() =>
        $"{InChannels}, {OutChannels}, kernel_size={KernelSize}, stride={Stride}" +
        (Padding != new Pair(0, 0) ? $", padding={Padding}" : "") + (Groups != 1 ? $", groups={Groups}" : "") + (Bias is null ? ", bias=False" : "");
}

/// <summary>Fully connected layer y = x·Wᵀ + b (<c>nn.Linear</c>), with PyTorch's default initialisation.</summary>
public sealed class Linear : Module
{
    /// <summary>Input features.</summary>
    public long InFeatures { get; }
    /// <summary>Output features.</summary>
    public long OutFeatures { get; }
    /// <summary>The weight [out, in].</summary>
    public Parameter Weight => GetParameter("weight")!;
    /// <summary>The bias [out], or null.</summary>
    public Parameter? Bias => GetParameter("bias");

    /// <summary>
    /// Creates the layer; weights Kaiming-uniform (a = √5), bias U(±1/√in), as PyTorch, drawn from
    /// <paramref name="generator"/> (libtorch's global generator when null).
    /// </summary>
    public Linear(long inFeatures, long outFeatures, bool bias = true, Generator? generator = null)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        RegisterParameter("weight", new Parameter(Tensor.Empty([outFeatures, inFeatures])));
        RegisterParameter("bias", bias ? new Parameter(Tensor.Empty([outFeatures])) : null);
        ResetParameters(generator);
    }

    /// <summary>PyTorch's <c>reset_parameters</c>, drawing from <paramref name="generator"/> (the global generator when null).</summary>
    public void ResetParameters(Generator? generator = null)
    {
        Init.KaimingUniform_(Weight, a: Math.Sqrt(5), generator: generator);
        if (Bias is { } b)
        {
            // PyTorch: fan_in from the weight, bound = 1/sqrt(fan_in) if fan_in > 0 else 0.
            var (fanIn, _) = Init.CalculateFanInAndFanOut(Weight);
            var bound = fanIn > 0 ? 1 / Math.Sqrt(fanIn) : 0;
            Init.Uniform_(b, -bound, bound, generator);
        }
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.Linear(input, Weight, Bias);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"in_features={InFeatures}, out_features={OutFeatures}, bias={(Bias is null ? "False" : "True")}";
}
