using Ocular.Torch;
using Ocular.Torch.Nn;

namespace Ocular.Vision.Models;

/// <summary>The two residual blocks of torchvision's <c>resnet.py</c> (also used, unchanged, by the CIFAR ResNet of bearpaw/ABN/LFI-CAM).</summary>
public enum ResidualBlockKind
{
    /// <summary>Two 3×3 convolutions (<see cref="BasicBlock"/>), expansion 1.</summary>
    Basic,
    /// <summary>1×1 → 3×3 → 1×1 convolutions (<see cref="Bottleneck"/>), expansion 4.</summary>
    Bottleneck,
}

/// <summary>
/// torchvision's <c>BasicBlock</c>: conv3×3(stride) → bn1 → relu → conv3×3 → bn2, plus the identity
/// (or <c>downsample</c>(x)), then relu. Children: conv1, bn1, relu, conv2, bn2[, downsample].
/// </summary>
public sealed class BasicBlock : Module
{
    /// <summary>Output channels = planes × 1.</summary>
    public const int Expansion = 1;

    private readonly Conv2d _conv1, _conv2;
    private readonly BatchNorm2d _bn1, _bn2;
    private readonly ReLU _relu;
    private readonly Sequential? _downsample;

    /// <summary>Creates the block (the stride sits on the first 3×3 convolution).</summary>
    public BasicBlock(long inplanes, long planes, long stride = 1, Sequential? downsample = null)
    {
        _conv1 = RegisterModule("conv1", ResidualBlocks.Conv3x3(inplanes, planes, stride));
        _bn1 = RegisterModule("bn1", new BatchNorm2d(planes));
        _relu = RegisterModule("relu", new ReLU(inplace: true));
        _conv2 = RegisterModule("conv2", ResidualBlocks.Conv3x3(planes, planes));
        _bn2 = RegisterModule("bn2", new BatchNorm2d(planes));
        if (downsample is not null) _downsample = RegisterModule("downsample", downsample);
    }

    /// <summary>The last batch norm (zeroed by <c>zero_init_residual</c>).</summary>
    public BatchNorm2d LastNorm => _bn2;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x)
    {
        using var c1 = _conv1.Call(x);
        using var b1 = _bn1.Call(c1);
        using var r1 = _relu.Call(b1);
        using var c2 = _conv2.Call(r1);
        using var @out = _bn2.Call(c2);
        using (var identity = _downsample is null ? x.Alias() : _downsample.Call(x))
            @out.Add_(identity); // out += identity, in place as torchvision (a hook on bn2 sees the sum)
        return _relu.Call(@out);
    }
}

/// <summary>
/// torchvision's <c>Bottleneck</c> (ResNet v1.5: the stride sits on the 3×3 convolution):
/// conv1×1 → bn1 → relu → conv3×3(stride) → bn2 → relu → conv1×1 → bn3, plus the identity (or
/// <c>downsample</c>(x)), then relu. Children: conv1, bn1, conv2, bn2, conv3, bn3, relu[, downsample].
/// </summary>
public sealed class Bottleneck : Module
{
    /// <summary>Output channels = planes × 4.</summary>
    public const int Expansion = 4;

    private readonly Conv2d _conv1, _conv2, _conv3;
    private readonly BatchNorm2d _bn1, _bn2, _bn3;
    private readonly ReLU _relu;
    private readonly Sequential? _downsample;

    /// <summary>Creates the block (width = planes; groups 1, base width 64).</summary>
    public Bottleneck(long inplanes, long planes, long stride = 1, Sequential? downsample = null)
    {
        _conv1 = RegisterModule("conv1", ResidualBlocks.Conv1x1(inplanes, planes));
        _bn1 = RegisterModule("bn1", new BatchNorm2d(planes));
        _conv2 = RegisterModule("conv2", ResidualBlocks.Conv3x3(planes, planes, stride));
        _bn2 = RegisterModule("bn2", new BatchNorm2d(planes));
        _conv3 = RegisterModule("conv3", ResidualBlocks.Conv1x1(planes, planes * Expansion));
        _bn3 = RegisterModule("bn3", new BatchNorm2d(planes * Expansion));
        _relu = RegisterModule("relu", new ReLU(inplace: true));
        if (downsample is not null) _downsample = RegisterModule("downsample", downsample);
    }

    /// <summary>The last batch norm (zeroed by <c>zero_init_residual</c>).</summary>
    public BatchNorm2d LastNorm => _bn3;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x)
    {
        using var c1 = _conv1.Call(x);
        using var b1 = _bn1.Call(c1);
        using var r1 = _relu.Call(b1);
        using var c2 = _conv2.Call(r1);
        using var b2 = _bn2.Call(c2);
        using var r2 = _relu.Call(b2);
        using var c3 = _conv3.Call(r2);
        using var @out = _bn3.Call(c3);
        using (var identity = _downsample is null ? x.Alias() : _downsample.Call(x))
            @out.Add_(identity);
        return _relu.Call(@out);
    }
}

/// <summary>The helpers of torchvision's <c>resnet.py</c> shared by the ImageNet and CIFAR ResNets.</summary>
internal static class ResidualBlocks
{
    public static int Expansion(this ResidualBlockKind kind) => kind == ResidualBlockKind.Basic ? BasicBlock.Expansion : Bottleneck.Expansion;

    /// <summary><c>conv3x3</c>: 3×3, padding 1, no bias.</summary>
    public static Conv2d Conv3x3(long inPlanes, long outPlanes, long stride = 1) => new(inPlanes, outPlanes, 3, stride, 1, bias: false);

    /// <summary><c>conv1x1</c>: 1×1, no bias.</summary>
    public static Conv2d Conv1x1(long inPlanes, long outPlanes, long stride = 1) => new(inPlanes, outPlanes, 1, stride, bias: false);

    /// <summary>
    /// <c>_make_layer</c>: <paramref name="blocks"/> blocks, the first with the stride and, when the
    /// shape changes, a <c>downsample</c> = Sequential(conv1×1(stride), BatchNorm2d) — created before
    /// the block, as torchvision does, so that random initialisation draws in the same order.
    /// </summary>
    public static Sequential MakeLayer(ResidualBlockKind kind, ref long inplanes, long planes, int blocks, long stride = 1)
    {
        var outChannels = planes * kind.Expansion();
        Sequential? downsample = null;
        if (stride != 1 || inplanes != outChannels)
            downsample = new Sequential(Conv1x1(inplanes, outChannels, stride), new BatchNorm2d(outChannels));
        var layers = new List<Module> { Block(kind, inplanes, planes, stride, downsample) };
        inplanes = outChannels;
        for (var i = 1; i < blocks; i++) layers.Add(Block(kind, inplanes, planes));
        return new Sequential([.. layers]);
    }

    private static Module Block(ResidualBlockKind kind, long inplanes, long planes, long stride = 1, Sequential? downsample = null) =>
        kind == ResidualBlockKind.Basic ? new BasicBlock(inplanes, planes, stride, downsample) : new Bottleneck(inplanes, planes, stride, downsample);

    /// <summary>The number of parameters of a <see cref="MakeLayer"/> result (convolutions without bias, two per batch norm).</summary>
    public static long LayerParameters(ResidualBlockKind kind, ref long inplanes, long planes, int blocks, long stride = 1)
    {
        var outChannels = planes * kind.Expansion();
        long total = 0;
        for (var i = 0; i < blocks; i++)
        {
            total += kind == ResidualBlockKind.Basic
                ? 9 * inplanes * planes + 9 * planes * planes + 4 * planes
                : inplanes * planes + 9 * planes * planes + planes * outChannels + 4 * planes + 2 * outChannels;
            if (i == 0 && (stride != 1 || inplanes != outChannels)) total += inplanes * outChannels + 2 * outChannels;
            inplanes = outChannels;
        }
        return total;
    }
}
