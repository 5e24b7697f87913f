using Ocular.Explain.Methods;
using Ocular.Torch;
using Ocular.Vision;
using Ocular.Vision.Models;

namespace Ocular.Explain.Learned.LCam;

/// <summary>
/// A frozen classifier with an L-CAM attention mechanism at one or more of its layers: the forward passes of
/// training (reference l-cam.md §2.3) and the class maps of inference (§2.4–2.5). The classifier is frozen while the
/// network exists — every parameter's <c>requires_grad</c> off and evaluation mode, so batch norm keeps its running
/// statistics and dropout is off (§4.2, §9 defect 5) — and restored when it is disposed. Only
/// <see cref="Attention"/> learns. The classifier is not owned; the attention mechanism is.
/// </summary>
public sealed class LCamNetwork : IDisposable
{
    private readonly ModelSplit? _split;
    private readonly List<(Torch.Nn.Parameter Parameter, bool RequiresGrad)> _frozen = [];
    private readonly bool _wasTraining;

    /// <summary>Freezes <paramref name="classifier"/> and attaches <paramref name="attention"/> (taken over) at <paramref name="layers"/>.</summary>
    /// <param name="classifier">The explained classifier.</param>
    /// <param name="normalization">The normalisation the classifier expects (applied inside the network, §1).</param>
    /// <param name="variant">Where the class map is applied during training.</param>
    /// <param name="layers">The layers the attention mechanism reads (see <see cref="LCamLayers.Resolve"/>).</param>
    /// <param name="attention">The attention mechanism.</param>
    /// <param name="freeze">Freeze the classifier (for training); inference under no-grad needs no freezing and leaves the model untouched.</param>
    public LCamNetwork(Classifier classifier, ImageNormalization normalization, LCamVariant variant, IReadOnlyList<string> layers, LCamAttention attention,
        bool freeze = true)
    {
        Layers = LCamLayers.Resolve(classifier, variant, layers);
        if (!Layers.SequenceEqual(layers))
            throw new ArgumentException($"the layers must be given in forward order without duplicates: {string.Join(", ", Layers)}");
        if (attention.NumClasses != classifier.NumClasses)
            throw new ArgumentException($"the attention mechanism has {attention.NumClasses} class maps but {classifier.Architecture} has {classifier.NumClasses} classes");
        if (attention.InChannels.Count != layers.Count)
            throw new ArgumentException($"the attention mechanism reads {attention.InChannels.Count} layer(s) but {layers.Count} were given");
        classifier.ToChannelsLast();   // the frozen classifier only infers: channels-last weights and inputs, as every explainer
        Classifier = classifier;
        Normalization = normalization;
        Variant = variant;
        Attention = attention;
        _wasTraining = classifier.Training;
        if (variant == LCamVariant.Fm)
        {
            _split = classifier.Split(Layers[0]);
            // Fm trains on cached features alone: a head that also reads the input image cannot be run from them.
            if (_split.Head.NeedsImage)
            {
                var stages = string.Join(", ", _split.Head.Stages.Where(st => st.NeedsImage));
                _split.Trunk.Dispose();
                _split.Head.Dispose();
                throw new ArgumentException($"L-CAM-Fm runs {classifier.Architecture}'s layers after '{Layers[0]}' on the features alone, but they also read the input image " +
                                            $"({stages}): use L-CAM-Img, or a layer after that stage");
            }
        }
        if (freeze)
        {
            foreach (var p in classifier.Parameters())
            {
                _frozen.Add((p, p.RequiresGrad));
                p.RequiresGrad_(false);
            }
            classifier.Eval();
        }
    }

    /// <summary>
    /// Builds a fresh attention mechanism for <paramref name="variant"/> at <paramref name="layers"/> (null: the
    /// defaults), its channel counts read from one forward pass of a zero image of <paramref name="inputSize"/>;
    /// weights from libtorch's global generator (seed it with <c>Engine.ManualSeed</c>).
    /// </summary>
    public static LCamNetwork Create(Classifier classifier, ImageNormalization normalization, LCamVariant variant, IReadOnlyList<string>? layers, int inputSize)
    {
        var resolved = LCamLayers.Resolve(classifier, variant, layers);
        var channels = FeatureChannels(classifier, resolved, inputSize);
        LCamAttention attention = variant == LCamVariant.Tame ? new TameAttention(channels, classifier.NumClasses) : new SingleLayerAttention(channels[0], classifier.NumClasses);
        return new LCamNetwork(classifier, normalization, variant, resolved, attention);
    }

    /// <summary>The channels of <paramref name="layers"/>' outputs for a <paramref name="inputSize"/>² input.</summary>
    public static IReadOnlyList<long> FeatureChannels(Classifier classifier, IReadOnlyList<string> layers, int inputSize)
    {
        var wasTraining = classifier.Training;
        classifier.Eval();
        try
        {
            using var image = Tensor.Zeros([1, classifier.InChannels, inputSize, inputSize], ScalarType.Float32);
            using var targets = Tensor.Zeros([1], ScalarType.Int64);
            using var pass = LayerPass.Run(classifier, layers, image, targets, ClassScore.Logit, gradients: false, logits: false);
            return [.. pass.Activations.Select(a => a.Size(1))];
        }
        finally
        {
            classifier.Train(wasTraining);
        }
    }

    /// <summary>The explained classifier (frozen while this network exists).</summary>
    public Classifier Classifier { get; }

    /// <summary>The classifier's normalisation.</summary>
    public ImageNormalization Normalization { get; }

    /// <summary>The variant.</summary>
    public LCamVariant Variant { get; }

    /// <summary>The layers the attention mechanism reads, in forward order.</summary>
    public IReadOnlyList<string> Layers { get; }

    /// <summary>The attention mechanism (the only trainable part).</summary>
    public LCamAttention Attention { get; }

    /// <summary>
    /// The frozen part of a training step, without autograd (§2.3 steps 1–2): the features F of the layers for
    /// normalised images, and the clean logits (for <see cref="LCamTargetSource.Predictions"/> and §2.4).
    /// </summary>
    /// <returns>The features (one tensor per layer) and the logits [N, classes], owned by the caller.</returns>
    public (Tensor[] Features, Tensor Logits) Features(Tensor normalisedImages)
    {
        using var noGrad = Autograd.NoGrad();
        using var targets = Tensor.Zeros([normalisedImages.Size(0)], ScalarType.Int64);
        using var pass = LayerPass.Run(Classifier, Layers, normalisedImages, targets, ClassScore.Logit, gradients: false, logits: true);
        return ([.. pass.Activations.Select(a => a.Alias())], pass.Logits!.Alias());
    }

    /// <summary>
    /// The training forward pass after the frozen features (§2.3 steps 3–7): the attention maps a = sigmoid(AM(F))
    /// [N, classes, h, w] and the logits of the masked input: L-CAM-Fm head(a[n, y_n] ⊙ F) at feature resolution;
    /// L-CAM-Img and TAME classifier(normalise(upsample(a[n, y_n]) ⊙ x)) with x the raw [0, 1] images.
    /// Records autograd through the attention mechanism. Both are float32 also inside a bfloat16 autocast scope (the
    /// maps through the sigmoid and the logits are cast up), so that the loss is taken in float32 (docs/precision.md).
    /// </summary>
    /// <param name="features">The layers' features (<see cref="Features"/>).</param>
    /// <param name="targets">The class y_n of each image.</param>
    /// <param name="rawImages">The raw [0, 1] images (Img and TAME; may be null for Fm).</param>
    public (Tensor Attention, Tensor MaskedLogits) MaskedForward(IReadOnlyList<Tensor> features, Tensor targets, Tensor? rawImages)
    {
        using var scope = DisposeScope.Enter();
        var a = Attention.Logits(features).To(ScalarType.Float32).Sigmoid();
        var own = LCamLoss.OwnMaps(a, targets);                       // s_n = a[n, y_n], N×1×h×w
        Tensor logits;
        if (Variant == LCamVariant.Fm)
        {
            logits = _split!.Head.Call(own.Mul(features[0]));        // F′ = s ⊙ F → frozen head
        }
        else
        {
            if (rawImages is null) throw new ArgumentException($"L-CAM-{Variant} masks the raw image: give the raw [0, 1] images");
            var mask = Functional.Interpolate(own, new Pair(rawImages.Size(2), rawImages.Size(3)), mode: InterpolationMode.Bilinear, alignCorners: false);
            logits = Classifier.Call(Normalization.Apply(mask.Mul(rawImages)).ToChannelsLast());   // x′ = m ⊙ x, normalised, whole network
        }
        return (scope.Keep(a), scope.Keep(logits.To(ScalarType.Float32)));
    }

    /// <summary>
    /// One evaluation of the loss (§3) for a batch: the masked forward pass, the selected maps and the loss terms.
    /// </summary>
    public (LCamLossTerms Loss, Tensor MaskedLogits) Loss(IReadOnlyList<Tensor> features, Tensor targets, Tensor? rawImages,
        LCamLossWeights weights, MaskLossSelection selection)
    {
        var (a, logits) = MaskedForward(features, targets, rawImages);
        using (a)
        {
            using var maps = LCamLoss.SelectMaps(a, targets, selection);
            return (LCamLoss.Compute(logits, targets, maps, weights), logits);
        }
    }

    /// <summary>
    /// The class maps of inference (§2.5, without the resizing): c[n, k_n] (<see cref="LCamMapKind.Logits"/>) or
    /// a[n, k_n] (<see cref="LCamMapKind.Sigmoid"/>) at feature resolution [N, h, w], for normalised images.
    /// </summary>
    public Tensor ClassMaps(Tensor normalisedImages, Tensor classes, LCamMapKind kind)
    {
        using var noGrad = Autograd.NoGrad();
        using var scope = DisposeScope.Enter();
        var (features, logits) = Features(normalisedImages);
        logits.Dispose();
        var c = Attention.Logits(features);
        foreach (var f in features) f.Dispose();
        var maps = kind == LCamMapKind.Sigmoid ? c.Sigmoid() : c;
        return scope.Keep(LCamLoss.OwnMaps(maps, classes).Squeeze(1));
    }

    /// <summary>Restores the classifier's <c>requires_grad</c> flags and mode, and frees the attention mechanism.</summary>
    public void Dispose()
    {
        foreach (var (p, requiresGrad) in _frozen) p.RequiresGrad_(requiresGrad);
        _frozen.Clear();
        Classifier.Train(_wasTraining);
        _split?.Trunk.Dispose();
        _split?.Head.Dispose();
        Attention.Dispose();
    }
}
