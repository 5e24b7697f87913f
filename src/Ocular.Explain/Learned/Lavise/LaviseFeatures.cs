using Ocular.Torch;
using Ocular.Vision.Models;
using F = Ocular.Torch.Functional;

namespace Ocular.Explain.Learned.Lavise;

/// <summary>
/// Feat(·) of LaViSE (lavise.md §2): the frozen classifier cut after the explained layer, in evaluation mode, and the
/// masked average pooling that feeds the explainer. d and h′×w′ come from a dry run at the model's input size, not
/// from the classifier head's width (§8.8: the original's <c>fc.in_features</c> is wrong for <c>layer3</c>).
/// </summary>
public sealed class LaviseFeatures
{
    private readonly ClassifierPart _trunk;

    /// <summary>Cuts <paramref name="model"/> after <paramref name="layer"/> and measures its output with one dry run.</summary>
    /// <exception cref="Torch.Nn.UnknownLayerException">The model has no such layer (the message lists them).</exception>
    /// <exception cref="ArgumentException">The layer's output is not a <c>[B, d, h, w]</c> feature map.</exception>
    public LaviseFeatures(Classifier model, string layer, int inputSize)
    {
        Model = model;
        Layer = layer;
        InputSize = inputSize;
        _trunk = model.Split(layer).Trunk;
        model.Eval();
        model.ToChannelsLast();   // the frozen model only infers: channels-last weights and inputs, as every explainer
        using var noGrad = Autograd.NoGrad();
        using var probe = Tensor.Zeros([1, model.InChannels, inputSize, inputSize]);
        using var output = _trunk.Forward(probe);
        if (output.Dim != 4)
            throw new ArgumentException($"LaViSE explains the filters of a convolutional layer, but {model.Architecture}'s '{layer}' gives " +
                                        $"{Tensor.ShapeString(output.Shape)}, not [B, channels, height, width]");
        Channels = output.Size(1);
        Height = output.Size(2);
        Width = output.Size(3);
    }

    /// <summary>The frozen classifier.</summary>
    public Classifier Model { get; }

    /// <summary>The explained layer's path.</summary>
    public string Layer { get; }

    /// <summary>The input size the model takes (square).</summary>
    public int InputSize { get; }

    /// <summary>d, the layer's channels (filters).</summary>
    public long Channels { get; }

    /// <summary>h′, the feature map's height at <see cref="InputSize"/>.</summary>
    public long Height { get; }

    /// <summary>w′, the feature map's width at <see cref="InputSize"/>.</summary>
    public long Width { get; }

    /// <summary>
    /// The arithmetic of <see cref="Forward"/> (null: float32): a training run in bf16 computes the frozen features under
    /// autocast; they are returned (and cached) as float32 either way (docs/precision.md).
    /// </summary>
    public ResolvedPrecision? Precision { get; init; }

    /// <summary>F = Feat(x): the layer's activations <c>[B, d, h′, w′]</c> of normalised images <c>[B, C, S, S]</c>, without gradients, in float32.</summary>
    public Tensor Forward(Tensor images)
    {
        using var noGrad = Autograd.NoGrad();
        using var autocast = Precision?.Enter();
        using var input = images.ToChannelsLast();
        using var features = _trunk.Forward(input);
        return features.To(ScalarType.Float32);
    }

    /// <summary>
    /// Concept masks at image resolution (bool or 0/1, <c>[K, H, W]</c>) brought to the feature resolution: float 0/1
    /// <c>[K, h′, w′]</c>, nearest pixel centre — PIL's <c>Resize(7, NEAREST)</c> of the original (§3.3), kept binary
    /// (§8.4: the original's COCO masks end up at 1/255).
    /// </summary>
    public Tensor FeatureMasks(Tensor masks)
    {
        if (masks.Dim != 3) throw new ArgumentException($"concept masks are [K, H, W], got {Tensor.ShapeString(masks.Shape)}", nameof(masks));
        if (masks.Size(0) == 0) return Tensor.Zeros([0, Height, Width]);
        using var scope = DisposeScope.Enter();
        var planes = masks.To(ScalarType.Float32).Unsqueeze(1);
        return scope.Keep(F.Interpolate(planes, new Pair(Height, Width), mode: InterpolationMode.NearestExact).Squeeze(1));
    }

    /// <summary>
    /// avgpool(F ⊙ M_j) for every mask j of one image (§2): <c>[K, d]</c> from its features <c>[d, h′, w′]</c> and masks
    /// <c>[K, h′, w′]</c>. The mean runs over all h′·w′ positions, zeros included, as the original's global average pool.
    /// </summary>
    public static Tensor PoolMasked(Tensor features, Tensor masks)
    {
        if (features.Dim != 3 || masks.Dim != 3 || masks.Size(1) != features.Size(1) || masks.Size(2) != features.Size(2))
            throw new ArgumentException($"masked pooling needs features [d, h, w] and masks [K, h, w] of the same h, w; got {Tensor.ShapeString(features.Shape)} and {Tensor.ShapeString(masks.Shape)}");
        using var scope = DisposeScope.Enter();
        var positions = features.Size(1) * features.Size(2);
        var m = masks.To(features.DType).Reshape(masks.Size(0), positions);
        var f = features.Reshape(features.Size(0), positions);
        return scope.Keep(m.Matmul(f.Transpose(0, 1)).Div(positions));
    }
}
