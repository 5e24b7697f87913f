using Ocular.Torch;
using Ocular.Vision.Models;

namespace Ocular.Explain.Methods;

/// <summary>
/// XGrad-CAM (Fu et al., BMVC 2020, "Axiom-based Grad-CAM", arXiv 2008.02312; reference §2.4): the weights
/// that satisfy the sensitivity and conservation axioms, w^c_k = Σ_ij (A^k_ij / Σ_ab A^k_ab) · ∂y^c/∂A^k_ij,
/// with 1e-7 added to the denominator as pytorch-grad-cam's <c>XGradCAM</c>; L^c = ReLU(Σ_k w^c_k A^k).
/// </summary>
public sealed class XGradCam(Classifier model, ExplainerOptions options)
    : CamBase("xgrad-cam", model, options, model.DefaultLayer, usesGradients: true)
{
    /// <summary>ε of the denominator.</summary>
    public const double Epsilon = 1e-7;

    /// <inheritdoc/>
    protected override Tensor ClassMap(CamLayerInputs layer)
    {
        var a = layer.Activations;
        var sumA = a.Sum([2, 3], keepDim: true).Add(Epsilon);
        var weights = layer.RequireGradients.Mul(a).Div(sumA).Sum([2, 3]);   // Σ_ij g^k_ij A^k_ij / Σ_ab A^k_ab
        return WeightedSum(weights, a);
    }
}
