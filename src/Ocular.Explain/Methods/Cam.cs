using Ocular.Torch;
using Ocular.Vision.Models;

namespace Ocular.Explain.Methods;

/// <summary>
/// CAM (Zhou et al., CVPR 2016, "Learning Deep Features for Discriminative Localization"): for a network
/// whose last feature maps are globally average-pooled straight into the linear classifier,
/// L^c = Σ_k w^c_k A^k with w^c the classifier's weights of class c (the paper's class activation map M_c; reference §2.1).
/// The layer is the architecture's <see cref="Classifier.CamLayer"/>; the bias and the 1/(h·w) of the pooling
/// change no normalised map.
/// </summary>
public sealed class Cam : CamBase
{
    /// <summary>Creates the explainer; the model must have a CAM layer (ResNet, CIFAR ResNet, compact CNN; not VGG or AlexNet).</summary>
    public Cam(Classifier model, ExplainerOptions options)
        : base("cam", model, options, CamLayerOf(model), usesGradients: false)
    {
        if (Layers.Count != 1 || Layers[0] != model.CamLayer)
            throw new ArgumentException($"cam: {model.Architecture} can be explained by CAM only at its CAM layer '{model.CamLayer}' " +
                                        $"(the maps that are average-pooled into '{model.HeadPath}'), not at {string.Join(", ", Layers)}");
    }

    private static string CamLayerOf(Classifier model) => model.CamLayer ?? throw new ArgumentException(
        $"cam: {model.Architecture} has no layer that is globally average-pooled straight into its classifier, so CAM does not apply; " +
        $"architectures with a CAM layer: {string.Join(", ", ModelZoo.Architectures.Where(a => a.CamLayer is not null).Select(a => a.Name))}");

    /// <inheritdoc/>
    protected override Tensor ClassMap(CamLayerInputs layer)
    {
        // w^c_k: row c of the classifier's weight [classes, K] for each image's target.
        var weights = Model.Head.Weight.Detach().IndexSelect(0, layer.Targets);
        return WeightedSum(weights, layer.Activations);
    }
}
