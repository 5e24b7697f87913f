using Ocular.Torch;
using Ocular.Torch.Nn;

namespace Ocular.Bench.Networks;

/// <summary>
/// A ResNet-18-shaped network for the engine benchmark; the model zoo's torchvision-exact ResNet
/// (Ocular.Vision.Models.ResNet) replaces it once available. Same layers, shapes, order and names as
/// torchvision's <c>resnet18</c> (conv1 7×7/2, max-pool 3×3/2, four stages of two BasicBlocks with
/// 64/128/256/512 channels, global average pool, fc), built from Ocular.Torch.Nn layers with their
/// default initialisation. Its twin is <c>ResNet18Like</c> in bench/python/engine.py (torch.nn, not
/// torchvision, so that both sides run exactly the same modules).
/// </summary>
public sealed class ResNet18Like : Module
{
    private readonly Conv2d _conv1;
    private readonly BatchNorm2d _bn1;
    private readonly ReLU _relu;
    private readonly MaxPool2d _maxpool;
    private readonly Sequential _layer1, _layer2, _layer3, _layer4;
    private readonly AdaptiveAvgPool2d _avgpool;
    private readonly Linear _fc;

    /// <summary>Creates the network for <paramref name="numClasses"/> classes (ImageNet: 1000).</summary>
    public ResNet18Like(long numClasses = 1000)
    {
        _conv1 = RegisterModule("conv1", new Conv2d(3, 64, 7, stride: 2, padding: 3, bias: false));
        _bn1 = RegisterModule("bn1", new BatchNorm2d(64));
        _relu = RegisterModule("relu", new ReLU(inplace: true));
        _maxpool = RegisterModule("maxpool", new MaxPool2d(3, stride: 2, padding: 1));
        _layer1 = RegisterModule("layer1", Stage(64, 64, stride: 1));
        _layer2 = RegisterModule("layer2", Stage(64, 128, stride: 2));
        _layer3 = RegisterModule("layer3", Stage(128, 256, stride: 2));
        _layer4 = RegisterModule("layer4", Stage(256, 512, stride: 2));
        _avgpool = RegisterModule("avgpool", new AdaptiveAvgPool2d(1));
        _fc = RegisterModule("fc", new Linear(512, numClasses));
    }

    // Two BasicBlocks; the first changes the width/resolution and needs a projection shortcut when they change.
    private static Sequential Stage(long inChannels, long outChannels, int stride) =>
        new(new BasicBlock(inChannels, outChannels, stride), new BasicBlock(outChannels, outChannels, 1));

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        // `using` drops each intermediate's handle as soon as the next layer has it, as Python's
        // reference counting does; autograd keeps what backward needs.
        using var c1 = _conv1.Call(input);
        using var b1 = _bn1.Call(c1);
        using var r1 = _relu.Call(b1);
        using var p1 = _maxpool.Call(r1);
        using var l1 = _layer1.Call(p1);
        using var l2 = _layer2.Call(l1);
        using var l3 = _layer3.Call(l2);
        using var l4 = _layer4.Call(l3);
        using var pooled = _avgpool.Call(l4);
        using var flat = pooled.Flatten(1);
        return _fc.Call(flat);
    }
}

/// <summary>torchvision's BasicBlock: two 3×3 convolutions with batch norm, and a residual connection.</summary>
public sealed class BasicBlock : Module
{
    private readonly Conv2d _conv1, _conv2;
    private readonly BatchNorm2d _bn1, _bn2;
    private readonly ReLU _relu;
    private readonly Sequential? _downsample;

    /// <summary>Creates the block; a stride or width change gets a 1×1 convolution + batch norm shortcut (<c>downsample</c>).</summary>
    public BasicBlock(long inChannels, long outChannels, int stride)
    {
        _conv1 = RegisterModule("conv1", new Conv2d(inChannels, outChannels, 3, stride: stride, padding: 1, bias: false));
        _bn1 = RegisterModule("bn1", new BatchNorm2d(outChannels));
        _relu = RegisterModule("relu", new ReLU(inplace: true));
        _conv2 = RegisterModule("conv2", new Conv2d(outChannels, outChannels, 3, stride: 1, padding: 1, bias: false));
        _bn2 = RegisterModule("bn2", new BatchNorm2d(outChannels));
        if (stride != 1 || inChannels != outChannels)
            _downsample = RegisterModule("downsample", new Sequential(
                new Conv2d(inChannels, outChannels, 1, stride: stride, bias: false),
                new BatchNorm2d(outChannels)));
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        using var c1 = _conv1.Call(input);
        using var b1 = _bn1.Call(c1);
        using var r1 = _relu.Call(b1);
        using var c2 = _conv2.Call(r1);
        var output = _bn2.Call(c2);
        using var identity = _downsample is null ? input.Alias() : _downsample.Call(input);
        output.Add_(identity); // out += identity, in place as torchvision
        output.Relu_();        // self.relu(out) with inplace=True
        return output;
    }
}
