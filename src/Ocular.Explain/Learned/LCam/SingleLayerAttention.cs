using Ocular.Torch;
using Ocular.Torch.Nn;

namespace Ocular.Explain.Learned.LCam;

/// <summary>
/// L-CAM's attention mechanism (reference l-cam.md §2.2): c = Conv2d(C_in → classes, 1×1, bias)(F), nothing else
/// (no hidden layer, batch norm or ReLU); C_in·classes + classes parameters (2,049,000 for ResNet-50's layer4 and
/// 1000 classes, §10). PyTorch's default Conv2d initialisation (Kaiming-uniform a = √5, bias U(±1/√fan_in), §4.4),
/// drawn from libtorch's global generator.
/// </summary>
public sealed class SingleLayerAttention : LCamAttention
{
    /// <summary>Creates the 1×1 convolution from <paramref name="inChannels"/> to <paramref name="numClasses"/> maps.</summary>
    public SingleLayerAttention(long inChannels, int numClasses)
    {
        if (inChannels < 1) throw new ArgumentOutOfRangeException(nameof(inChannels), inChannels, "the attention mechanism needs at least one input channel");
        if (numClasses < 1) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "the attention mechanism needs at least one class");
        NumClasses = numClasses;
        InChannels = [inChannels];
        RegisterModule("conv", new Conv2d(inChannels, numClasses, 1));
    }

    /// <inheritdoc/>
    public override int NumClasses { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<long> InChannels { get; }

    /// <inheritdoc/>
    public override Tensor Logits(IReadOnlyList<Tensor> features)
    {
        CheckFeatures(features);
        return GetSubmodule("conv").Call(features[0]);
    }
}
