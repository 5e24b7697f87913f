using Ocular.Torch;
using Ocular.Vision.Models;

namespace Ocular.Explain.Methods;

/// <summary>
/// Layer-CAM (Jiang et al., IEEE TIP 2021; reference §2.6): every position weighted by its own positive
/// gradient, w^kc_ij = ReLU(g^kc_ij), L^c = ReLU(Σ_k w^kc ⊙ A^k). It is meant for shallow layers
/// too; with several layers the maps are averaged (the paper fuses them; pytorch-grad-cam averages).
/// </summary>
public sealed class LayerCam(Classifier model, ExplainerOptions options)
    : CamBase("layer-cam", model, options, model.DefaultLayer, usesGradients: true)
{
    /// <inheritdoc/>
    protected override Tensor ClassMap(CamLayerInputs layer) =>
        layer.RequireGradients.Relu().Mul(layer.Activations).Sum(1);
}
