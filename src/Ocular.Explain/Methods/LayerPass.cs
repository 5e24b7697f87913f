using Ocular.Torch;
using Ocular.Torch.Nn;
using Ocular.Vision.Models;

namespace Ocular.Explain.Methods;

/// <summary>
/// One forward pass that yields the outputs of the explained layers (and, when asked, the gradients of
/// the target scores with respect to them) without hooks and without back-propagating further than needed.
/// The model is cut at the layers (<see cref="Classifier.Split"/>): the trunk up to the first layer runs
/// without recording; each following segment and the head run with recording only when gradients are
/// wanted, so the backward pass stops at the first explained layer and never reaches a parameter
/// (pytorch-grad-cam back-propagates through the whole network with <c>loss.backward()</c>).
/// </summary>
/// <remarks>
/// The activation of a layer is its output as the next layer receives it; a segment that starts with
/// an in-place ReLU runs it on a copy, so a convolution's or batch norm's output is seen before the
/// ReLU that follows it, and so is its gradient (a forward hook would see the overwritten values).
/// </remarks>
internal sealed class LayerPass : IDisposable
{
    private readonly List<Tensor> _owned = [];

    private LayerPass(Tensor[] activations, Tensor?[] gradients, Tensor? logits)
    {
        Activations = activations;
        Gradients = gradients;
        Logits = logits;
        _owned.AddRange(activations);
        _owned.AddRange(gradients.OfType<Tensor>());
        if (logits is not null) _owned.Add(logits);
    }

    /// <summary>The layers' outputs [N, K, h, w], in the order of <see cref="Resolve"/>.</summary>
    public Tensor[] Activations { get; }

    /// <summary>d(Σ_n score_n)/d activation per layer (each image's gradient of its own score), or nulls.</summary>
    public Tensor?[] Gradients { get; }

    /// <summary>The logits [N, classes], when asked for.</summary>
    public Tensor? Logits { get; }

    /// <summary>
    /// Checks <paramref name="layers"/> against <paramref name="model"/> and returns them without duplicates in
    /// forward order. An unknown path is an <see cref="UnknownLayerException"/> listing the layers that can be
    /// explained; a layer inside a residual block a <see cref="LayerSplitException"/> naming the enclosing ones.
    /// </summary>
    public static IReadOnlyList<string> Resolve(Classifier model, IEnumerable<string> layers)
    {
        var requested = layers.Select(l => l.Trim()).Distinct().ToList();
        if (requested.Count == 0) throw new ArgumentException("name at least one layer to explain", nameof(layers));
        var explainable = ExplainableLayers(model);
        foreach (var layer in requested)
        {
            if (explainable.Contains(layer)) continue;
            if (!model.LayerPaths.Contains(layer))
                throw new UnknownLayerException(layer, model.Architecture, explainable);
            _ = model.Split(layer);   // throws LayerSplitException naming the layers to use instead
            throw new ArgumentException($"layer '{layer}' of {model.Architecture} comes after the feature maps are flattened, so it has no spatial map to explain; " +
                                        $"layers that can be explained: {string.Join(", ", explainable)}");
        }
        var order = explainable.ToList();
        return [.. requested.OrderBy(order.IndexOf)];
    }

    /// <summary>The layers whose outputs are feature maps that can be explained (<see cref="Classifier.FeatureMapLayers"/>).</summary>
    public static IReadOnlyList<string> ExplainableLayers(Classifier model) => model.FeatureMapLayers;

    /// <summary>
    /// Runs <paramref name="model"/> on <paramref name="images"/> for the <paramref name="layers"/> given by
    /// <see cref="Resolve"/>. With <paramref name="gradients"/>, differentiates Σ_n score(n, targets[n]);
    /// with <paramref name="logits"/> (or gradients), runs the head too.
    /// </summary>
    public static LayerPass Run(Classifier model, IReadOnlyList<string> layers, Tensor images, Tensor targets, ClassScore score, bool gradients, bool logits)
    {
        using var scope = DisposeScope.Enter();
        var acts = new Tensor[layers.Count];
        using var split = new SplitParts(model.Split(layers[0]));
        var input = images.ToChannelsLast();
        using (Autograd.NoGrad())
            acts[0] = split.Trunk.Call(input);
        CheckFeatureMap(model, layers[0], acts[0]);

        using var mode = gradients ? Autograd.EnableGrad() : Autograd.NoGrad();
        if (gradients) acts[0].RequiresGrad_();
        for (var j = 1; j < layers.Count; j++)
        {
            using var segment = model.Segment(layers[j - 1], layers[j]);
            acts[j] = segment.Forward(acts[j - 1], input);
            CheckFeatureMap(model, layers[j], acts[j]);
        }

        Tensor? output = null;
        var grads = new Tensor?[layers.Count];
        if (gradients || logits)
        {
            using var tail = new SplitParts(model.Split(layers[^1]));
            output = tail.Head.Forward(acts[^1], input);
        }
        if (gradients)
        {
            // Images are independent in evaluation mode, so the gradient of the sum is each image's own gradient.
            var total = TargetScores.Of(output!, targets, score).Sum();
            var g = Autograd.Grad([total], acts, null, retainGraph: false, allowUnused: true);
            for (var j = 0; j < g.Length; j++)
                grads[j] = g[j] ?? throw new InvalidOperationException($"the score does not depend on layer '{layers[j]}' of {model.Architecture}: no gradient can be computed for it");
        }
        // Under bfloat16 autocast the activations, gradients and logits come out in bfloat16; the methods combine them in
        // float32 (a weighted sum of 2048 bfloat16 channels would round each partial sum to 8 bits).
        var result = new LayerPass(
            [.. acts.Select(a => scope.Keep(Float32(a.Detach())))],
            [.. grads.Select(g => g is null ? null : scope.Keep(Float32(g)))],
            output is null ? null : scope.Keep(Float32(output.Detach())));
        return result;
    }

    private static Tensor Float32(Tensor t) => t.DType == ScalarType.Float32 ? t : t.To(ScalarType.Float32);

    private static void CheckFeatureMap(Classifier model, string layer, Tensor a)
    {
        if (a.Dim != 4)
            throw new ArgumentException($"layer '{layer}' of {model.Architecture} outputs {Tensor.ShapeString(a.Shape)}, not feature maps [N, C, h, w]: choose a convolutional layer");
    }

    /// <summary>Frees the activations, gradients and logits.</summary>
    public void Dispose()
    {
        foreach (var t in _owned) t.Dispose();
        _owned.Clear();
    }

    /// <summary>Disposes both parts of a split (they share the model's weights and free nothing of it).</summary>
    private readonly struct SplitParts(ModelSplit split) : IDisposable
    {
        public ClassifierPart Trunk => split.Trunk;
        public ClassifierPart Head => split.Head;

        public void Dispose()
        {
            split.Trunk.Dispose();
            split.Head.Dispose();
        }
    }
}
