using Ocular.Torch;
using Ocular.Vision.Models;

namespace Ocular.Explain.Methods;

/// <summary>
/// Grad-CAM (Selvaraju et al., ICCV 2017, arXiv 1610.02391; reference §2.2): channel weights are the
/// spatially averaged gradients, α^c_k = (1/Z) Σ_ij ∂y^c/∂A^k_ij (eq. 1), and L^c = ReLU(Σ_k α^c_k A^k) (eq. 2).
/// Same as pytorch-grad-cam's <c>GradCAM</c>, apart from the shared post-processing (see <see cref="SaliencyMaps"/>).
/// </summary>
public sealed class GradCam(Classifier model, ExplainerOptions options)
    : CamBase("grad-cam", model, options, model.DefaultLayer, usesGradients: true)
{
    /// <inheritdoc/>
    protected override Tensor ClassMap(CamLayerInputs layer)
    {
        var alpha = layer.RequireGradients.Mean([2, 3]);   // eq. 1
        return WeightedSum(alpha, layer.Activations);       // eq. 2 (ReLU in the base)
    }
}
