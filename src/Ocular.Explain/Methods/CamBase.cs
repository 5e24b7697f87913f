using Ocular.Torch;
using Ocular.Vision.Models;

namespace Ocular.Explain.Methods;

/// <summary>
/// The CAM family's shared machinery, as pytorch-grad-cam's <c>BaseCAM</c>: the activations (and, for
/// gradient methods, the gradients of the target score) at one or more layers, the method's class map
/// L^c at each layer (<see cref="ClassMap"/>, the only thing a method file writes), then ReLU, bilinear
/// upsampling to the input size and per-image min–max (<see cref="SaliencyMaps.PostProcess"/>), and with
/// several layers the mean of their maps, normalised again (<see cref="SaliencyMaps.Average"/>).
/// </summary>
/// <remarks>
/// The score y^c is the logit of the target class unless <see cref="ExplainerOptions.Score"/> says otherwise
/// (pytorch-grad-cam's <c>ClassifierOutputTarget</c>). Gradients come from one backward pass over a batch:
/// the score summed over the images, each image scored for its own target; in evaluation mode the images
/// are independent, so each image's gradient is that of its own score. The model is cut at the first
/// explained layer (<see cref="LayerPass"/>): the part before it runs without autograd, and the backward
/// pass stops at the layer. Everything runs in libtorch; nothing is copied to managed memory.
/// <para>A layer's activation A and its gradient are those of the layer's output as the next layer receives it.
/// pytorch-grad-cam hooks the output with <c>register_hook</c>, so after a convolution or batch norm followed by an
/// in-place ReLU it pairs the overwritten (post-ReLU) activations with the pre-ReLU gradient; here both are the
/// pre-ReLU values (the following ReLU runs on a copy). For the default layers (block outputs, ReLUs) the two agree.
/// Layers must be split points before the flatten (<see cref="Classifier.SplitPoints"/>); one inside a residual
/// block is refused with the enclosing layers named.</para>
/// </remarks>
public abstract class CamBase : ExplainerBase
{
    /// <summary>Resolves the layers (those of <paramref name="options"/>, else <paramref name="defaultLayer"/>).</summary>
    /// <param name="name">The method's registry name.</param>
    /// <param name="model">The classifier.</param>
    /// <param name="options">The options.</param>
    /// <param name="defaultLayer">The layer used when the options name none.</param>
    /// <param name="usesGradients">Whether <see cref="ClassMap"/> needs ∂y^c/∂A.</param>
    /// <param name="usesLogits">Whether <see cref="ClassMap"/> needs the logits of the unperturbed images.</param>
    protected CamBase(string name, Classifier model, ExplainerOptions options, string defaultLayer, bool usesGradients, bool usesLogits = false)
        : base(name, model, options)
    {
        var requested = options.Layers is { Count: > 0 } layers ? layers : [defaultLayer];
        Layers = LayerPass.Resolve(model, requested);
        UsesGradients = usesGradients;
        UsesLogits = usesLogits;
    }

    /// <summary>The explained layers, in forward order.</summary>
    public IReadOnlyList<string> Layers { get; }

    /// <summary>Whether the method differentiates the score.</summary>
    public bool UsesGradients { get; }

    /// <summary>Whether the method needs the logits of the unperturbed images.</summary>
    protected bool UsesLogits { get; }

    /// <summary>The class score in use (<see cref="ExplainerOptions.Score"/>, default the logit).</summary>
    protected ClassScore Score => Options.Score ?? ClassScore.Logit;

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object?> Settings => new Dictionary<string, object?>(base.Settings)
    {
        ["layers"] = Layers.ToArray(),
        ["score"] = Score == ClassScore.Logit ? "logit" : "probability",
    };

    /// <summary>
    /// The method's class map L^c [N, h, w] at one layer, before ReLU (the base applies it, upsamples and normalises).
    /// Temporaries may be left to the caller's dispose scope.
    /// </summary>
    protected abstract Tensor ClassMap(CamLayerInputs layer);

    /// <inheritdoc/>
    protected sealed override Tensor ExplainCore(Tensor images, Tensor targets)
    {
        using var scope = DisposeScope.Enter();
        using var pass = LayerPass.Run(Model, Layers, images, targets, Score, UsesGradients, UsesLogits);
        var (height, width) = (images.Size(2), images.Size(3));
        var maps = new List<Tensor>();
        for (var i = 0; i < Layers.Count; i++)
        {
            using var layerScope = DisposeScope.Enter();
            var cam = ClassMap(new CamLayerInputs(Layers[i], images, targets, pass.Activations[i], pass.Gradients[i], pass.Logits));
            maps.Add(layerScope.Keep(SaliencyMaps.PostProcess(cam, height, width)));
        }
        return scope.Keep(SaliencyMaps.Average(maps));
    }

    /// <summary>Σ_k w_k A^k: channel weights [N, K] times activations [N, K, h, w] → [N, h, w].</summary>
    protected static Tensor WeightedSum(Tensor weights, Tensor activations)
    {
        var (n, k, h, w) = (activations.Size(0), activations.Size(1), activations.Size(2), activations.Size(3));
        using var scope = DisposeScope.Enter();
        var a = activations.Reshape(n, k, h * w);
        using var float32 = Autocast.Float32Region();   // a sum of K products, not a network layer (docs/precision.md)
        var cam = weights.To(activations.DType).Unsqueeze(1).Bmm(a);   // [N, 1, K] × [N, K, hw]
        return scope.Keep(cam.View(n, h, w));
    }
}
