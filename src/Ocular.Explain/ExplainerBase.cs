using Ocular.Torch;
using Ocular.Vision.Models;

namespace Ocular.Explain;

/// <summary>
/// What every explainer of a <see cref="Classifier"/> shares: checking the images and targets,
/// test-time augmentation smoothing (<see cref="ExplainerOptions.AugSmooth"/>), and the settings record.
/// A method implements <see cref="ExplainCore"/>; learned explainers may derive from it too.
/// </summary>
public abstract class ExplainerBase : IExplainer
{
    /// <summary>Sets the method's name, model and options (validated); lays out the model's 4-D weights channels-last (<see cref="Torch.Nn.Module.ToChannelsLast"/>, values unchanged).</summary>
    protected ExplainerBase(string name, Classifier model, ExplainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Name = name;
        // Every pass of an explainer feeds channels-last inputs; channels-last weights spare oneDNN a reorder per pass in
        // bfloat16. The values, and the model's outputs on channels-last inputs, are unchanged.
        model.ToChannelsLast();
        Model = model;
        Options = options;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>The explained classifier (not owned: disposing the explainer leaves it alive). It should be in evaluation mode.</summary>
    public Classifier Model { get; }

    /// <summary>The options the explainer was created with.</summary>
    public ExplainerOptions Options { get; }

    /// <summary>
    /// What the network passes run in: <see cref="ExplainerOptions.Precision"/> resolved on this processor for this method
    /// (<see cref="Precision.Fp32"/> or <see cref="Precision.Bf16"/>; auto picks bf16 only where <see cref="AutoPicksBf16"/>).
    /// </summary>
    public Precision Precision => ResolvedPrecision.Resolve(Options.Precision, AutoPicksBf16).Effective;

    /// <summary>
    /// Whether <see cref="Precision.Auto"/> may run this method in bfloat16: true for the perturbation methods, whose cost is
    /// many forward passes and whose maps keep r ≥ 0.99 with float32's (docs/precision.md); false (the default) for gradient
    /// methods and single-pass ones, which gain little and whose maps should match across machines.
    /// </summary>
    protected virtual bool AutoPicksBf16 => false;

    /// <inheritdoc/>
    public virtual IReadOnlyDictionary<string, object?> Settings => new Dictionary<string, object?>
    {
        ["method"] = Name,
        ["aug_smooth"] = Options.AugSmooth,
        ["precision"] = ResolvedPrecision.NameOf(Precision),
    };

    /// <inheritdoc/>
    public Tensor Explain(Tensor images, Tensor targets)
    {
        CheckInputs(images, targets);
        if (images.Size(0) == 0) return Tensor.Zeros([0, images.Size(2), images.Size(3)], ScalarType.Float32);
        using var scope = DisposeScope.Enter();
        Tensor maps;
        // bfloat16 autocast around the method's network passes (docs/precision.md); the maps leave in float32.
        using (ResolvedPrecision.Enter(Precision))
            maps = Options.AugSmooth ? AugmentationSmoothing(images, targets) : ExplainCore(images, targets);
        return scope.Keep(maps.DType == ScalarType.Float32 ? maps : maps.To(ScalarType.Float32));
    }

    /// <summary>
    /// The maps of checked inputs: <paramref name="images"/> float [N, C, H, W] (normalised), <paramref name="targets"/>
    /// int64 [N] valid class indices → float32 [N, H, W] in [0, 1] (see <see cref="SaliencyMaps"/>).
    /// </summary>
    protected abstract Tensor ExplainCore(Tensor images, Tensor targets);

    /// <summary>
    /// pytorch-grad-cam's <c>forward_augmentation_smoothing</c> (ttach <c>HorizontalFlip</c> × <c>Multiply([0.9, 1, 1.1])</c>):
    /// the maps of the six augmented inputs, un-flipped and averaged. The targets stay those given. Unlike
    /// pytorch-grad-cam, which returns the plain mean, the mean is min–max normalised again like every map.
    /// </summary>
    private Tensor AugmentationSmoothing(Tensor images, Tensor targets)
    {
        var maps = new List<Tensor>();
        foreach (var flip in new[] { false, true })
            foreach (var factor in new[] { 0.9, 1.0, 1.1 })
            {
                var x = flip ? images.Flip(3) : images.Alias();
                // ttach's Multiply scales intensities (of the tensor given, here the normalised one), not sizes.
                var scaled = factor == 1.0 ? x : x.Mul(factor);
                var map = ExplainCore(scaled, targets);
                maps.Add(flip ? map.Flip(2) : map);
            }
        return SaliencyMaps.Average(maps);
    }

    private void CheckInputs(Tensor images, Tensor targets)
    {
        if (Model.Training)
            throw new InvalidOperationException($"{Name}: {Model.Architecture} is in training mode; call Eval() first (batch norm would update its statistics and mix the images of a batch)");
        if (images.Dim != 4 || !images.DType.IsFloatingPoint())
            throw new ArgumentException($"{Name}: expected floating images [N, C, H, W], got {images.DType.TorchName()} {Tensor.ShapeString(images.Shape)}", nameof(images));
        if (images.Size(1) != Model.InChannels)
            throw new ArgumentException($"{Name}: {Model.Architecture} takes {Model.InChannels}-channel images, got {images.Size(1)} channels", nameof(images));
        if (targets.Dim != 1 || targets.DType != ScalarType.Int64 || targets.Size(0) != images.Size(0))
            throw new ArgumentException($"{Name}: expected int64 targets [{images.Size(0)}] (one class per image), got {targets.DType.TorchName()} {Tensor.ShapeString(targets.Shape)}", nameof(targets));
        if (targets.NumEl == 0) return;
        using var min = targets.Min();
        using var max = targets.Max();
        var (lo, hi) = (min.Item<long>(), max.Item<long>());
        if (lo < 0 || hi >= Model.NumClasses)
            throw new ArgumentOutOfRangeException(nameof(targets), $"{Name}: target class {(lo < 0 ? lo : hi)} is out of range: {Model.Architecture} has {Model.NumClasses} classes (0..{Model.NumClasses - 1})");
    }

    /// <summary>Frees what the explainer owns (not the model).</summary>
    public virtual void Dispose() => GC.SuppressFinalize(this);
}
