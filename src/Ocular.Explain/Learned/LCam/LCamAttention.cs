using Ocular.Torch;
using Ocular.Torch.Nn;

namespace Ocular.Explain.Learned.LCam;

/// <summary>
/// The trainable attention mechanism (AM) of L-CAM and TAME: feature maps of one or more layers of a frozen
/// classifier → one logit map per class, c [N, classes, h, w]; the attention maps are a = sigmoid(c) (reference
/// l-cam.md §2.2, §8.1). Only this module learns; its state dict is what an L-CAM checkpoint stores.
/// </summary>
public abstract class LCamAttention : Module
{
    /// <summary>The number of class maps.</summary>
    public abstract int NumClasses { get; }

    /// <summary>The channels of each input layer, in order.</summary>
    public abstract IReadOnlyList<long> InChannels { get; }

    /// <summary>The logit maps c [N, classes, h, w] of the layers' feature maps (one tensor per layer, in order).</summary>
    public abstract Tensor Logits(IReadOnlyList<Tensor> features);

    /// <summary><see cref="Logits"/> of a single layer.</summary>
    public override Tensor Forward(Tensor input) => Logits([input]);

    /// <summary>Checks that <paramref name="features"/> match <see cref="InChannels"/>.</summary>
    protected void CheckFeatures(IReadOnlyList<Tensor> features)
    {
        if (features.Count != InChannels.Count)
            throw new ArgumentException($"the attention mechanism reads {InChannels.Count} layer(s), got {features.Count} feature tensor(s)");
        for (var i = 0; i < features.Count; i++)
            if (features[i].Dim != 4 || features[i].Size(1) != InChannels[i])
                throw new ArgumentException($"layer {i} of the attention mechanism expects feature maps [N, {InChannels[i]}, h, w], got {Tensor.ShapeString(features[i].Shape)}");
    }
}
