using Ocular.Torch.Nn;

namespace Ocular.Vision.Models;

/// <summary>
/// torchvision's AlexNet (<c>torchvision/models/alexnet.py</c>, the one-weird-trick variant):
/// <c>features</c> (conv 11×11/4 64, ReLU, pool, conv 5×5 192, ReLU, pool, conv 3×3 384, ReLU,
/// conv 3×3 256, ReLU, conv 3×3 256, ReLU, pool) → avgpool (adaptive 6×6) → flatten →
/// <c>classifier</c> (Dropout, Linear 9216→4096, ReLU, Dropout, Linear 4096→4096, ReLU,
/// Linear 4096→classes). Every layer keeps PyTorch's default initialisation, as torchvision.
/// Inputs need at least 63×63 pixels.
/// </summary>
public sealed class AlexNet : Classifier
{
    private static readonly ClassifierStage[] ForwardStages =
        [ClassifierStage.Layer("features"), ClassifierStage.Layer("avgpool"), ClassifierStage.Flatten, ClassifierStage.Layer("classifier")];

    /// <summary>Creates the network.</summary>
    public AlexNet(int numClasses = 1000, int inChannels = 3, double dropout = 0.5) : base("alexnet", inChannels)
    {
        RegisterModule("features", new Sequential(
            new Conv2d(inChannels, 64, 11, 4, 2), new ReLU(inplace: true), new MaxPool2d(3, 2),
            new Conv2d(64, 192, 5, padding: 2), new ReLU(inplace: true), new MaxPool2d(3, 2),
            new Conv2d(192, 384, 3, padding: 1), new ReLU(inplace: true),
            new Conv2d(384, 256, 3, padding: 1), new ReLU(inplace: true),
            new Conv2d(256, 256, 3, padding: 1), new ReLU(inplace: true), new MaxPool2d(3, 2)));
        RegisterModule("avgpool", new AdaptiveAvgPool2d(6));
        RegisterModule("classifier", new Sequential(
            new Dropout(dropout), new Linear(256 * 6 * 6, 4096), new ReLU(inplace: true),
            new Dropout(dropout), new Linear(4096, 4096), new ReLU(inplace: true),
            new Linear(4096, numClasses)));
    }

    /// <summary>The number of parameters of an AlexNet built with these arguments, without building it.</summary>
    public static long CountParameters(int numClasses = 1000, int inChannels = 3) =>
        (121L * inChannels * 64 + 64) + (25 * 64 * 192 + 192) + (9 * 192 * 384 + 384) + (9 * 384 * 256 + 256) + (9 * 256 * 256 + 256)
        + (9216 + 1) * 4096L + (4096 + 1) * 4096L + (4096 + 1) * (long)numClasses;

    /// <inheritdoc/>
    public override int DefaultInputSize => 224;

    /// <summary>features.11: the ReLU after the fifth convolution, before the last max pool.</summary>
    public override string DefaultLayer => "features.11";

    /// <inheritdoc/>
    public override string HeadPath => "classifier.6";

    /// <inheritdoc/>
    public override IReadOnlyList<ClassifierStage> Stages => ForwardStages;
}
