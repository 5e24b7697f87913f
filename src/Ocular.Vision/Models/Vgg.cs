using Ocular.Torch.Nn;

namespace Ocular.Vision.Models;

/// <summary>
/// torchvision's VGG (<c>torchvision/models/vgg.py</c>): <c>features</c> (3×3 convolutions with
/// bias, each followed by [batch norm and] an in-place ReLU, and 2×2 max pools, numbered as
/// torchvision's <c>make_layers</c> numbers them) → avgpool (adaptive 7×7) → flatten →
/// <c>classifier</c> (Linear 25088→4096, ReLU, Dropout, Linear 4096→4096, ReLU, Dropout,
/// Linear 4096→classes). Initialisation as torchvision: kaiming_normal_ (fan_out, ReLU) and zero bias
/// for convolutions, batch norm 1/0, linear layers N(0, 0.01²) with zero bias. Inputs need at
/// least 32×32 pixels (five 2×2 pools).
/// </summary>
public sealed class Vgg : Classifier
{
    /// <summary>A max pool in a configuration (torchvision's "M").</summary>
    public const int M = 0;

    /// <summary>Configuration "A" (VGG-11).</summary>
    public static readonly int[] ConfigA = [64, M, 128, M, 256, 256, M, 512, 512, M, 512, 512, M];
    /// <summary>Configuration "B" (VGG-13).</summary>
    public static readonly int[] ConfigB = [64, 64, M, 128, 128, M, 256, 256, M, 512, 512, M, 512, 512, M];
    /// <summary>Configuration "D" (VGG-16).</summary>
    public static readonly int[] ConfigD = [64, 64, M, 128, 128, M, 256, 256, 256, M, 512, 512, 512, M, 512, 512, 512, M];
    /// <summary>Configuration "E" (VGG-19).</summary>
    public static readonly int[] ConfigE = [64, 64, M, 128, 128, M, 256, 256, 256, 256, M, 512, 512, 512, 512, M, 512, 512, 512, 512, M];

    private static readonly ClassifierStage[] ForwardStages =
        [ClassifierStage.Layer("features"), ClassifierStage.Layer("avgpool"), ClassifierStage.Flatten, ClassifierStage.Layer("classifier")];

    private readonly string _defaultLayer;

    /// <summary>Creates a VGG from a configuration (channel counts and <see cref="M"/> for max pools).</summary>
    public Vgg(string architecture, int[] config, bool batchNorm, int numClasses = 1000, int inChannels = 3, double dropout = 0.5)
        : base(architecture, inChannels)
    {
        var features = RegisterModule("features", MakeLayers(config, batchNorm, inChannels));
        RegisterModule("avgpool", new AdaptiveAvgPool2d(7));
        RegisterModule("classifier", new Sequential(
            new Linear(512 * 7 * 7, 4096), new ReLU(inplace: true), new Dropout(dropout),
            new Linear(4096, 4096), new ReLU(inplace: true), new Dropout(dropout),
            new Linear(4096, numClasses)));
        // The ReLU after the last convolution (features.29 in VGG-16), just before the last max pool.
        _defaultLayer = "features." + (features.Count - 2).ToString(System.Globalization.CultureInfo.InvariantCulture);

        foreach (var (_, m) in NamedModules())
        {
            switch (m)
            {
                case Conv2d conv:
                    Init.KaimingNormal_(conv.Weight, mode: Init.FanMode.FanOut, nonlinearity: "relu");
                    Init.Zeros_(conv.Bias!);
                    break;
                case BatchNorm2d bn:
                    Init.Ones_(bn.Weight!);
                    Init.Zeros_(bn.Bias!);
                    break;
                case Linear linear:
                    Init.Normal_(linear.Weight, 0, 0.01);
                    Init.Zeros_(linear.Bias!);
                    break;
            }
        }
    }

    /// <summary>torchvision's <c>make_layers</c>: Conv2d(3×3, padding 1)[, BatchNorm2d], ReLU(inplace) per channel count; MaxPool2d(2, 2) per <see cref="M"/>.</summary>
    private static Sequential MakeLayers(int[] config, bool batchNorm, long inChannels)
    {
        var layers = new Sequential();
        foreach (var v in config)
        {
            if (v == M)
            {
                layers.Append(new MaxPool2d(2, 2));
                continue;
            }
            layers.Append(new Conv2d(inChannels, v, 3, padding: 1));
            if (batchNorm) layers.Append(new BatchNorm2d(v));
            layers.Append(new ReLU(inplace: true));
            inChannels = v;
        }
        return layers;
    }

    /// <summary>VGG-11 (configuration A), optionally with batch norm.</summary>
    public static Vgg Vgg11(bool batchNorm = false, int numClasses = 1000, int inChannels = 3) => new(batchNorm ? "vgg11_bn" : "vgg11", ConfigA, batchNorm, numClasses, inChannels);

    /// <summary>VGG-13 (configuration B), optionally with batch norm.</summary>
    public static Vgg Vgg13(bool batchNorm = false, int numClasses = 1000, int inChannels = 3) => new(batchNorm ? "vgg13_bn" : "vgg13", ConfigB, batchNorm, numClasses, inChannels);

    /// <summary>VGG-16 (configuration D), optionally with batch norm.</summary>
    public static Vgg Vgg16(bool batchNorm = false, int numClasses = 1000, int inChannels = 3) => new(batchNorm ? "vgg16_bn" : "vgg16", ConfigD, batchNorm, numClasses, inChannels);

    /// <summary>VGG-19 (configuration E), optionally with batch norm.</summary>
    public static Vgg Vgg19(bool batchNorm = false, int numClasses = 1000, int inChannels = 3) => new(batchNorm ? "vgg19_bn" : "vgg19", ConfigE, batchNorm, numClasses, inChannels);

    /// <summary>The number of parameters of a VGG built with these arguments, without building it.</summary>
    public static long CountParameters(int[] config, bool batchNorm, int numClasses = 1000, int inChannels = 3)
    {
        long total = 0, c = inChannels;
        foreach (var v in config.Where(v => v != M))
        {
            total += 9 * c * v + v + (batchNorm ? 2 * v : 0);
            c = v;
        }
        return total + (512 * 49 + 1) * 4096L + (4096 + 1) * 4096L + (4096 + 1) * (long)numClasses;
    }

    /// <inheritdoc/>
    public override int DefaultInputSize => 224;

    /// <inheritdoc/>
    public override string DefaultLayer => _defaultLayer;

    /// <inheritdoc/>
    public override string HeadPath => "classifier.6";

    /// <inheritdoc/>
    public override IReadOnlyList<ClassifierStage> Stages => ForwardStages;
}
