using Ocular.Torch;
using Ocular.Vision.Models;

namespace Ocular.Explain.Methods;

/// <summary>
/// Grad-CAM++ (Chattopadhay et al., WACV 2018, arXiv 1710.11063; reference §2.3), the paper's closed form
/// (eq. 19) with the gradients g of the chosen score plugged in:
/// a^kc_ij = g² / (2g² + Σ_ab A^k_ab · g³ + ε), ε = 1e-6, a = 0 where g = 0;
/// w^c_k = Σ_ij a^kc_ij · ReLU(g^k_ij); L^c = ReLU(Σ_k w^c_k A^k).
/// </summary>
/// <remarks>
/// The paper derives eq. 19 for an exponential score Y^c = exp(S^c); its weights then carry the factor exp(S^c),
/// the same for every channel of an image, which no normalised map can show — so this equals pytorch-grad-cam's
/// <c>GradCAMPlusPlus</c>. The L-CAM/TAME baseline (<c>yiskw713/ScoreCAM</c>) differentiates the softmax
/// probability: set <see cref="ExplainerOptions.Score"/> to <see cref="ClassScore.Probability"/>
/// (<see cref="ExplainerOptions.LCamBaselines"/>).
/// </remarks>
public sealed class GradCamPlusPlus(Classifier model, ExplainerOptions options)
    : CamBase("grad-cam++", model, options, model.DefaultLayer, usesGradients: true)
{
    /// <summary>ε of the denominator (pytorch-grad-cam's value).</summary>
    public const double Epsilon = 1e-6;

    /// <inheritdoc/>
    protected override Tensor ClassMap(CamLayerInputs layer)
    {
        var g = layer.RequireGradients;
        var a = layer.Activations;
        var g2 = g.Square();
        var g3 = g2.Mul(g);
        var sumA = a.Sum([2, 3], keepDim: true);                       // Σ_ab A^k_ab
        var alpha = g2.Div(g2.Mul(2).Add(sumA.Mul(g3)).Add(Epsilon));  // eq. 19
        alpha = Tensor.Where(g.Ne(0), alpha, 0.0);
        var weights = alpha.Mul(g.Relu()).Sum([2, 3]);                 // w^c_k = Σ_ij a^kc_ij · ReLU(g^k_ij)
        return WeightedSum(weights, a);
    }
}
