using Ocular.Torch.Nn;

namespace Ocular.Vision.Models;

/// <summary>
/// A small, fast CNN for the embedded data sets (64×64 RGB Shapes, 28×28 grayscale
/// Fashion-MNIST): four conv3×3 (no bias) → BatchNorm → ReLU blocks of 16, 32, 64 and 128
/// channels, the first two followed by a 2×2 max pool, then global average pooling and one linear
/// layer — so CAM applies to <c>block4</c> (16×16 maps at 64 px, 7×7 at 28 px). About 99k
/// parameters for 10 classes. Initialisation as torchvision's ResNet: kaiming_normal_ (fan_out,
/// ReLU) for convolutions, batch norm 1/0, the linear layer PyTorch's default.
/// </summary>
public sealed class CompactCnn : Classifier
{
    /// <summary>The channels of block1..block4.</summary>
    public static readonly int[] Widths = [16, 32, 64, 128];

    private static readonly ClassifierStage[] ForwardStages =
    [
        ClassifierStage.Layer("block1"), ClassifierStage.Layer("block2"), ClassifierStage.Layer("block3"), ClassifierStage.Layer("block4"),
        ClassifierStage.Layer("avgpool"), ClassifierStage.Flatten, ClassifierStage.Layer("fc"),
    ];

    /// <summary>Creates the network.</summary>
    public CompactCnn(int numClasses = 10, int inChannels = 3) : base("compact_cnn", inChannels)
    {
        long c = inChannels;
        for (var i = 0; i < Widths.Length; i++)
        {
            var block = new Sequential(new Conv2d(c, Widths[i], 3, padding: 1, bias: false), new BatchNorm2d(Widths[i]), new ReLU(inplace: true));
            if (i < 2) block.Append(new MaxPool2d(2));
            RegisterModule("block" + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), block);
            c = Widths[i];
        }
        RegisterModule("avgpool", new AdaptiveAvgPool2d(1));
        RegisterModule("fc", new Linear(c, numClasses));

        foreach (var (_, m) in NamedModules())
        {
            if (m is Conv2d conv) Init.KaimingNormal_(conv.Weight, mode: Init.FanMode.FanOut, nonlinearity: "relu");
            else if (m is BatchNorm2d bn)
            {
                Init.Ones_(bn.Weight!);
                Init.Zeros_(bn.Bias!);
            }
        }
    }

    /// <summary>The number of parameters of a compact CNN built with these arguments, without building it.</summary>
    public static long CountParameters(int numClasses = 10, int inChannels = 3)
    {
        long total = 0, c = inChannels;
        foreach (var w in Widths)
        {
            total += 9 * c * w + 2 * w;
            c = w;
        }
        return total + (c + 1) * numClasses;
    }

    /// <summary>28 for grayscale input (Fashion-MNIST), 64 otherwise (Shapes).</summary>
    public override int DefaultInputSize => InChannels == 1 ? 28 : 64;

    /// <summary>block4: the last conv block.</summary>
    public override string DefaultLayer => "block4";

    /// <summary>block4: its maps are globally average-pooled straight into fc.</summary>
    public override string? CamLayer => "block4";

    /// <inheritdoc/>
    public override string HeadPath => "fc";

    /// <inheritdoc/>
    public override IReadOnlyList<ClassifierStage> Stages => ForwardStages;
}
