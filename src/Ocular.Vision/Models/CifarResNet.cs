using Ocular.Torch.Nn;

namespace Ocular.Vision.Models;

/// <summary>
/// The CIFAR ResNet of bearpaw/pytorch-classification (<c>models/cifar/resnet.py</c>), which ABN
/// and LFI-CAM build on (reference <c>lfi-cam.md</c> §2.4), for 32×32 inputs: conv1 3×3 16 → bn1 →
/// relu → layer1..layer3 (16, 32, 64 planes; stride 1, 2, 2) → avgpool (8×8, global at 32 px) →
/// flatten → fc. A depth d gives n = (d − 2)/6 blocks per stage, <see cref="BasicBlock"/>s below
/// depth 44 and <see cref="Bottleneck"/>s (×4 channels) from 44 on, so "ResNet-110" has 18
/// bottlenecks per stage. The depth must be 6n + 2 (bearpaw's <c>assert (depth - 2) % 6 == 0</c>
/// in the revision ABN and LFI-CAM copy; bearpaw's later <c>block_name</c> variant, which asks for
/// 9n + 2 with bottlenecks, is a different network and is not reproduced). Initialisation as
/// bearpaw: convolutions N(0, 2/(k²·out_channels)), batch norm 1/0, the linear layer PyTorch's default.
/// </summary>
public sealed class CifarResNet : Classifier
{
    private static readonly ClassifierStage[] ForwardStages =
    [
        ClassifierStage.Layer("conv1"), ClassifierStage.Layer("bn1"), ClassifierStage.Layer("relu"),
        ClassifierStage.Layer("layer1"), ClassifierStage.Layer("layer2"), ClassifierStage.Layer("layer3"),
        ClassifierStage.Layer("avgpool"), ClassifierStage.Flatten, ClassifierStage.Layer("fc"),
    ];

    /// <summary>Creates the network for a depth 6n + 2 (n ≥ 1).</summary>
    public CifarResNet(int depth, int numClasses = 10, int inChannels = 3) : base("cifar_resnet" + depth.ToString(System.Globalization.CultureInfo.InvariantCulture), inChannels)
    {
        ValidateDepth(depth);
        Depth = depth;
        Block = BlockFor(depth);
        var n = (depth - 2) / 6;
        long inplanes = 16;
        RegisterModule("conv1", new Conv2d(inChannels, 16, 3, padding: 1, bias: false));
        RegisterModule("bn1", new BatchNorm2d(16));
        RegisterModule("relu", new ReLU(inplace: true));
        RegisterModule("layer1", ResidualBlocks.MakeLayer(Block, ref inplanes, 16, n));
        RegisterModule("layer2", ResidualBlocks.MakeLayer(Block, ref inplanes, 32, n, stride: 2));
        RegisterModule("layer3", ResidualBlocks.MakeLayer(Block, ref inplanes, 64, n, stride: 2));
        RegisterModule("avgpool", new AvgPool2d(8));
        RegisterModule("fc", new Linear(64 * Block.Expansion(), numClasses));

        foreach (var (_, m) in NamedModules())
        {
            if (m is Conv2d conv)
                Init.Normal_(conv.Weight, 0, Math.Sqrt(2.0 / (conv.KernelSize.H * conv.KernelSize.W * conv.OutChannels)));
            else if (m is BatchNorm2d bn)
            {
                Init.Ones_(bn.Weight!);
                Init.Zeros_(bn.Bias!);
            }
        }
    }

    /// <summary>The nominal depth (6n + 2).</summary>
    public int Depth { get; }

    /// <summary>The residual block type: Basic below depth 44, Bottleneck from 44.</summary>
    public ResidualBlockKind Block { get; }

    /// <summary>Basic below depth 44, Bottleneck from 44 (bearpaw's <c>Bottleneck if depth >= 44 else BasicBlock</c>).</summary>
    public static ResidualBlockKind BlockFor(int depth) => depth >= 44 ? ResidualBlockKind.Bottleneck : ResidualBlockKind.Basic;

    /// <summary>Throws unless <paramref name="depth"/> is 6n + 2 with n ≥ 1 (8, 14, 20, 32, 44, 56, 110, …).</summary>
    public static void ValidateDepth(int depth)
    {
        if (depth < 8 || (depth - 2) % 6 != 0)
            throw new ArgumentOutOfRangeException(nameof(depth), depth, $"a CIFAR ResNet's depth must be 6n + 2 with n ≥ 1 (e.g. 20, 32, 44, 56, 110), got {depth}");
    }

    /// <summary>The number of parameters of a CIFAR ResNet built with these arguments, without building it.</summary>
    public static long CountParameters(int depth, int numClasses = 10, int inChannels = 3)
    {
        ValidateDepth(depth);
        var block = BlockFor(depth);
        var n = (depth - 2) / 6;
        long inplanes = 16;
        var total = 9L * inChannels * 16 + 2 * 16;
        total += ResidualBlocks.LayerParameters(block, ref inplanes, 16, n);
        total += ResidualBlocks.LayerParameters(block, ref inplanes, 32, n, 2);
        total += ResidualBlocks.LayerParameters(block, ref inplanes, 64, n, 2);
        return total + (inplanes + 1) * numClasses;
    }

    /// <inheritdoc/>
    public override int DefaultInputSize => 32;

    /// <inheritdoc/>
    public override string DefaultLayer => "layer3";

    /// <summary>layer3: its 8×8 maps (at 32 px) are averaged by avgpool straight into fc.</summary>
    public override string? CamLayer => "layer3";

    /// <inheritdoc/>
    public override string HeadPath => "fc";

    /// <inheritdoc/>
    public override IReadOnlyList<ClassifierStage> Stages => ForwardStages;
}
