using Ocular.Torch;
using Ocular.Vision.Models;
using Ocular.Vision.Models.Attention;

namespace Ocular.Explain.Learned.AttentionMap;

/// <summary>
/// The <c>lfi-cam</c> and <c>abn</c> explainers: the class-agnostic map an LFI-CAM or ABN classifier computes in its own
/// forward pass (reference <c>lfi-cam.md</c> §6: resize bilinearly to the input and min–max per image), upsampled with
/// half-pixel centres (<c>align_corners=False</c>) and min–max normalised like every Ocular map. The target class is not
/// used: the map is the same for every class. Grad-CAM and the other methods explain the same models as any classifier.
/// </summary>
public sealed class AttentionMapExplainer : ExplainerBase
{
    private readonly AttentionClassifier _model;

    /// <summary>Creates the explainer of <paramref name="method"/> (<see cref="LfiCam.MethodName"/> or <see cref="Abn.MethodName"/>) for <paramref name="model"/>.</summary>
    /// <exception cref="ArgumentException">The model is not a classifier of that method.</exception>
    public AttentionMapExplainer(string method, Classifier model, ExplainerOptions options) : base(method, model, options)
    {
        if (model is not AttentionClassifier attention || attention.Method != method)
            throw new ArgumentException(
                $"{method} shows the map that a{(method == Abn.MethodName ? "n" : "")} {method} classifier computes in its forward pass, but {model.Architecture} is " +
                (model is AttentionClassifier other ? $"a{(other.Method == Abn.MethodName ? "n" : "")} {other.Method} classifier (explain it with the method {other.Method})"
                                                    : "not one") +
                $"; train one with `ocular train classifier --arch resnet18 --attention {method} …` (docs/lficam.md)");
        _model = attention;
    }

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object?> Settings => new Dictionary<string, object?>(base.Settings)
    {
        ["architecture"] = _model.Architecture,
        ["class_agnostic"] = true,
    };

    /// <inheritdoc/>
    protected override Tensor ExplainCore(Tensor images, Tensor targets)
    {
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        using var output = _model.ForwardWithAttention(images);
        var maps = SaliencyMaps.Upsample(output.Map.Squeeze(1), images.Size(2), images.Size(3));
        return scope.Keep(SaliencyMaps.Normalize(maps));
    }
}
