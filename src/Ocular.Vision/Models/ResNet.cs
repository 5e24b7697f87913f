using Ocular.Torch;
using Ocular.Torch.Nn;

namespace Ocular.Vision.Models;

/// <summary>
/// torchvision's ResNet (<c>torchvision/models/resnet.py</c>, v1.5 bottlenecks): conv1 7×7/2 → bn1 →
/// relu → maxpool 3×3/2 → layer1..layer4 (64, 128, 256, 512 planes) → avgpool (adaptive 1×1) →
/// flatten → fc. Parameter and buffer names, shapes, order and default initialisation
/// (kaiming_normal_ fan_out/ReLU for convolutions, batch norm 1/0, the linear layer PyTorch's
/// default) are torchvision's, so torchvision checkpoints load by name.
/// </summary>
public sealed class ResNet : Classifier
{
    private static readonly ClassifierStage[] ForwardStages =
    [
        ClassifierStage.Layer("conv1"), ClassifierStage.Layer("bn1"), ClassifierStage.Layer("relu"), ClassifierStage.Layer("maxpool"),
        ClassifierStage.Layer("layer1"), ClassifierStage.Layer("layer2"), ClassifierStage.Layer("layer3"), ClassifierStage.Layer("layer4"),
        ClassifierStage.Layer("avgpool"), ClassifierStage.Flatten, ClassifierStage.Layer("fc"),
    ];

    /// <summary>
    /// Creates a ResNet with <paramref name="layers"/> blocks per stage.
    /// <paramref name="stemStride"/> is conv1's stride (torchvision: 2; LFI-CAM's ImageNet backbone
    /// uses 1, giving 14×14 layer4 maps at 224 px). <paramref name="zeroInitResidual"/> zeroes each
    /// block's last batch-norm weight, as torchvision's option of that name.
    /// </summary>
    public ResNet(string architecture, ResidualBlockKind block, int[] layers, int numClasses = 1000, int inChannels = 3,
        bool zeroInitResidual = false, int stemStride = 2) : base(architecture, inChannels)
    {
        if (layers.Length != 4) throw new ArgumentException($"a ResNet has 4 stages, got {layers.Length} block counts", nameof(layers));
        Block = block;
        BlockCounts = [.. layers];
        long inplanes = 64;
        RegisterModule("conv1", new Conv2d(inChannels, inplanes, 7, stemStride, 3, bias: false));
        RegisterModule("bn1", new BatchNorm2d(inplanes));
        RegisterModule("relu", new ReLU(inplace: true));
        RegisterModule("maxpool", new MaxPool2d(3, 2, 1));
        RegisterModule("layer1", ResidualBlocks.MakeLayer(block, ref inplanes, 64, layers[0]));
        RegisterModule("layer2", ResidualBlocks.MakeLayer(block, ref inplanes, 128, layers[1], stride: 2));
        RegisterModule("layer3", ResidualBlocks.MakeLayer(block, ref inplanes, 256, layers[2], stride: 2));
        RegisterModule("layer4", ResidualBlocks.MakeLayer(block, ref inplanes, 512, layers[3], stride: 2));
        RegisterModule("avgpool", new AdaptiveAvgPool2d(1));
        RegisterModule("fc", new Linear(512 * block.Expansion(), numClasses));

        foreach (var (_, m) in NamedModules())
        {
            if (m is Conv2d conv) Init.KaimingNormal_(conv.Weight, mode: Init.FanMode.FanOut, nonlinearity: "relu");
            else if (m is BatchNorm2d bn)
            {
                Init.Ones_(bn.Weight!);
                Init.Zeros_(bn.Bias!);
            }
        }
        if (zeroInitResidual)
            foreach (var (_, m) in NamedModules())
                if (((m as BasicBlock)?.LastNorm ?? (m as Bottleneck)?.LastNorm) is { } last) Init.Zeros_(last.Weight!);
    }

    /// <summary>The residual block type.</summary>
    public ResidualBlockKind Block { get; }

    /// <summary>The number of blocks in layer1..layer4.</summary>
    public IReadOnlyList<int> BlockCounts { get; }

    /// <summary>torchvision's configurations by zoo name: the block type and the blocks of layer1..layer4.</summary>
    public static IReadOnlyDictionary<string, (ResidualBlockKind Block, int[] Layers)> Configurations { get; } =
        new Dictionary<string, (ResidualBlockKind, int[])>
        {
            ["resnet18"] = (ResidualBlockKind.Basic, [2, 2, 2, 2]),
            ["resnet34"] = (ResidualBlockKind.Basic, [3, 4, 6, 3]),
            ["resnet50"] = (ResidualBlockKind.Bottleneck, [3, 4, 6, 3]),
            ["resnet101"] = (ResidualBlockKind.Bottleneck, [3, 4, 23, 3]),
            ["resnet152"] = (ResidualBlockKind.Bottleneck, [3, 8, 36, 3]),
        };

    /// <summary>ResNet-18: BasicBlock × [2, 2, 2, 2].</summary>
    public static ResNet ResNet18(int numClasses = 1000, int inChannels = 3) => new("resnet18", ResidualBlockKind.Basic, [2, 2, 2, 2], numClasses, inChannels);

    /// <summary>ResNet-34: BasicBlock × [3, 4, 6, 3].</summary>
    public static ResNet ResNet34(int numClasses = 1000, int inChannels = 3) => new("resnet34", ResidualBlockKind.Basic, [3, 4, 6, 3], numClasses, inChannels);

    /// <summary>ResNet-50: Bottleneck × [3, 4, 6, 3].</summary>
    public static ResNet ResNet50(int numClasses = 1000, int inChannels = 3) => new("resnet50", ResidualBlockKind.Bottleneck, [3, 4, 6, 3], numClasses, inChannels);

    /// <summary>ResNet-101: Bottleneck × [3, 4, 23, 3].</summary>
    public static ResNet ResNet101(int numClasses = 1000, int inChannels = 3) => new("resnet101", ResidualBlockKind.Bottleneck, [3, 4, 23, 3], numClasses, inChannels);

    /// <summary>ResNet-152: Bottleneck × [3, 8, 36, 3].</summary>
    public static ResNet ResNet152(int numClasses = 1000, int inChannels = 3) => new("resnet152", ResidualBlockKind.Bottleneck, [3, 8, 36, 3], numClasses, inChannels);

    /// <summary>The number of parameters of a ResNet built with these arguments, without building it.</summary>
    public static long CountParameters(ResidualBlockKind block, int[] layers, int numClasses = 1000, int inChannels = 3)
    {
        long inplanes = 64;
        var total = 49L * inChannels * 64 + 2 * 64;
        total += ResidualBlocks.LayerParameters(block, ref inplanes, 64, layers[0]);
        total += ResidualBlocks.LayerParameters(block, ref inplanes, 128, layers[1], 2);
        total += ResidualBlocks.LayerParameters(block, ref inplanes, 256, layers[2], 2);
        total += ResidualBlocks.LayerParameters(block, ref inplanes, 512, layers[3], 2);
        return total + (inplanes + 1) * numClasses;
    }

    /// <inheritdoc/>
    public override int DefaultInputSize => 224;

    /// <inheritdoc/>
    public override string DefaultLayer => "layer4";

    /// <inheritdoc/>
    public override string? CamLayer => "layer4";

    /// <inheritdoc/>
    public override string HeadPath => "fc";

    /// <inheritdoc/>
    public override IReadOnlyList<ClassifierStage> Stages => ForwardStages;
}
