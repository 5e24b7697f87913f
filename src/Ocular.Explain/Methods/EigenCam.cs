using Ocular.Torch;
using Ocular.Vision.Models;

namespace Ocular.Explain.Methods;

/// <summary>
/// Eigen-CAM (Muhammad &amp; Yeasin, IJCNN 2020, arXiv 2008.00299; reference §2.7): the projection of the
/// activations on their first principal component. Per image, A is reshaped to an (h·w) × K matrix, each
/// channel's mean over positions is subtracted, and with the SVD A_c = U Σ Vᵀ, L = A_c · v₁ (v₁ = Vᵀ[0])
/// reshaped to h × w; then the usual ReLU and min–max. Class-agnostic: the targets are not used.
/// </summary>
/// <remarks>
/// The paper projects the uncentred activations; the centring follows the reference and pytorch-grad-cam's
/// <c>get_2d_projection</c> (whose comment notes that centring matters). The SVD comes from libtorch's
/// <c>linalg.svd</c> (LAPACK gesdd), batched over the images. The sign of a singular vector is arbitrary; with
/// <see cref="ExplainerOptions.EigenSignCorrection"/>, L is negated where |min L| &gt; |max L| (Seg-Eigen-CAM).
/// </remarks>
public sealed class EigenCam(Classifier model, ExplainerOptions options)
    : CamBase("eigen-cam", model, options, model.DefaultLayer, usesGradients: false)
{
    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object?> Settings => new Dictionary<string, object?>(base.Settings)
    {
        ["sign_correction"] = Options.EigenSignCorrection,
    };

    /// <inheritdoc/>
    protected override Tensor ClassMap(CamLayerInputs layer)
    {
        var a = layer.Activations;
        var (n, h, w) = (a.Size(0), a.Size(2), a.Size(3));
        var m = a.Reshape(n, a.Size(1), h * w).Transpose(1, 2);   // [N, hw, K]
        var centred = m.Sub(m.Mean([1], keepDim: true));          // subtract each channel's mean over positions
        var (u, s, vh) = centred.Svd(fullMatrices: false);
        u.Dispose();
        s.Dispose();
        var v1 = vh.Select(1, 0).Unsqueeze(2);                    // Vᵀ[0] as a column [N, K, 1]
        Tensor projection;
        using (Autocast.Float32Region()) projection = centred.Bmm(v1).View(n, h, w);
        if (!Options.EigenSignCorrection) return projection;
        var flat = projection.Flatten(1);
        var negate = flat.Amin(1).Abs().Gt(flat.Amax(1).Abs()).View(n, 1, 1);
        return Tensor.Where(negate, projection.Neg(), projection);
    }
}
