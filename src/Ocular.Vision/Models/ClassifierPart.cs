using Ocular.Torch;
using Ocular.Torch.Nn;

namespace Ocular.Vision.Models;

/// <summary>
/// A run of consecutive stages of a <see cref="Classifier"/> — the trunk or the head of a
/// <see cref="Classifier.Split"/>. It shares the model's layers (it registers and owns nothing, so
/// disposing it frees nothing, and its train/eval mode is the model's), and it looks its layers up
/// by path on every call, so it keeps working after <see cref="Classifier.ReplaceHead"/>.
/// Forward hooks on the model's layers (e.g. a <see cref="LayerCapture"/>) fire when a part runs.
/// </summary>
public sealed class ClassifierPart : Module
{
    private readonly Classifier _model;
    private readonly ClassifierStage[] _stages;
    private readonly bool _startsAtInput;

    internal ClassifierPart(Classifier model, IEnumerable<ClassifierStage> stages, bool startsAtInput)
    {
        _model = model;
        _stages = [.. stages];
        _startsAtInput = startsAtInput;
    }

    /// <summary>The model whose layers this part runs.</summary>
    public Classifier Model => _model;

    /// <summary>The stages in order: layer paths (e.g. <c>layer4.2</c>) and inline functions (<c>flatten</c>).</summary>
    public IReadOnlyList<ClassifierStage> Stages => _stages;

    /// <summary>
    /// Whether a stage of this part reads the model's input image (LFI-CAM's branch), so that a part that does not
    /// start at the input must be run with <see cref="Forward(Tensor, Tensor)"/>.
    /// </summary>
    public bool NeedsImage => !_startsAtInput && _stages.Any(s => s.NeedsImage);

    /// <summary>
    /// Runs the stages. The input is never overwritten: when the first stage is an in-place ReLU
    /// (a head that starts right after a convolution or batch norm), it runs on a copy.
    /// </summary>
    /// <exception cref="InvalidOperationException">The part <see cref="NeedsImage"/>.</exception>
    public override Tensor Forward(Tensor input) => Run(_model, _stages, input, protectInput: true, _startsAtInput ? input : null);

    /// <summary>
    /// Runs the stages on <paramref name="input"/> (this part's input, e.g. a layer's feature maps) for the model input
    /// <paramref name="image"/> [N or 1, C, H, W] that produced it (normalised, as the model takes it); an image batch of
    /// one broadcasts over the input's batch (Ablation-CAM's ablated copies of one image's maps).
    /// </summary>
    public Tensor Forward(Tensor input, Tensor image) => Run(_model, _stages, input, protectInput: true, _startsAtInput ? input : image);

    /// <summary>Runs <paramref name="stages"/> of <paramref name="model"/> in order, freeing intermediate results.</summary>
    internal static Tensor Run(Classifier model, IReadOnlyList<ClassifierStage> stages, Tensor input, bool protectInput, Tensor? image)
    {
        var x = input;
        if (protectInput && stages.Count > 0 && stages[0].IsLayer && model.GetSubmodule(stages[0].Name) is ReLU { Inplace: true })
            x = input.Clone();
        foreach (var stage in stages)
        {
            var next = stage.Apply(model, x, image);
            if (!ReferenceEquals(x, input) && !ReferenceEquals(next, x)) x.Dispose();
            x = next;
        }
        return ReferenceEquals(x, input) ? x.Alias() : x;
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => string.Join(" → ", _stages.Select(s => s.ToString()));
}

/// <summary>
/// A classifier cut at a layer: <see cref="Trunk"/> maps the input to the layer's output,
/// <see cref="Head"/> maps that output to the logits, and Head(Trunk(x)) equals the model's forward.
/// </summary>
/// <param name="Layer">The layer path the model was split at (the trunk's last layer).</param>
/// <param name="Trunk">Input → output of <paramref name="Layer"/>.</param>
/// <param name="Head">Output of <paramref name="Layer"/> → logits (an identity when the layer is the last one).</param>
public sealed record ModelSplit(string Layer, ClassifierPart Trunk, ClassifierPart Head);

/// <summary>Thrown when a classifier cannot be split at a layer (the layer lies inside a block whose forward is not a plain sequence).</summary>
public sealed class LayerSplitException : ArgumentException
{
    /// <summary>The layer path that was asked for.</summary>
    public string Path { get; }

    /// <summary>The enclosing layers the model can be split at instead, innermost first.</summary>
    public IReadOnlyList<string> Alternatives { get; }

    /// <summary>Creates the exception.</summary>
    public LayerSplitException(string path, string message, IReadOnlyList<string> alternatives) : base(message)
    {
        Path = path;
        Alternatives = alternatives;
    }
}
