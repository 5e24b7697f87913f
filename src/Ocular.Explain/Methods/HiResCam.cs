using Ocular.Torch;
using Ocular.Vision.Models;

namespace Ocular.Explain.Methods;

/// <summary>
/// HiResCAM (Draelos &amp; Carin, arXiv 2011.08891; reference §2.5): the gradients multiply the activations
/// element-wise, without spatial averaging, L^c = ReLU(Σ_k ∂y^c/∂A^k ⊙ A^k),
/// which for a GAP → FC head equals CAM.
/// </summary>
public sealed class HiResCam(Classifier model, ExplainerOptions options)
    : CamBase("hires-cam", model, options, model.DefaultLayer, usesGradients: true)
{
    /// <inheritdoc/>
    protected override Tensor ClassMap(CamLayerInputs layer) =>
        layer.RequireGradients.Mul(layer.Activations).Sum(1);
}
