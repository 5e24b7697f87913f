using Ocular.Torch;
using Ocular.Vision.Models;

namespace Ocular.Explain.Methods;

/// <summary>
/// Ablation-CAM (Desai &amp; Ramaswamy, WACV 2020; reference §2.9): a channel's weight is the relative drop of
/// the class score when the channel is removed, w^c_k = (y^c − y^c_k)/y^c (the paper's slope), where y^c_k
/// is the score with A^k set to zero; L^c = ReLU(Σ_k w^c_k A^k).
/// </summary>
/// <remarks>
/// <para>Only the part of the network after the layer runs for the ablations (<see cref="Classifier.Split"/>):
/// the K ablated copies of the layer's output go through the head <see cref="ExplainerOptions.BatchSize"/> at a
/// time. pytorch-grad-cam's <c>AblationCAM</c> replaces the layer by one that emits the cached, ablated
/// activations but still runs every layer before it for each batch.</para>
/// <para>As the paper, the ablated channel is set to 0. pytorch-grad-cam's <c>AblationLayer</c> uses
/// (min A − 1e7) instead whenever the layer's minimum activation is not 0 (e.g. a convolution before its ReLU),
/// which gives different maps there. The score is the logit by default (<see cref="ExplainerOptions.Score"/>);
/// a score near 0 makes the relative drop large, and a negative one flips its sign, as in the paper's formula.</para>
/// </remarks>
public sealed class AblationCam(Classifier model, ExplainerOptions options)
    : CamBase("ablation-cam", model, options, model.DefaultLayer, usesGradients: false, usesLogits: true)
{
    /// <summary>
    /// Auto keeps Ablation-CAM in float32: its passes run only the head after the explained layer (at the default layer a
    /// pooling and a linear layer, where bfloat16 saves nothing), and its weights are differences of logits, which bfloat16
    /// rounds to 8 bits (Pearson r down to 0.89 on the demo's model; docs/precision.md). <c>--precision bf16</c> still runs it so.
    /// </summary>
    protected override bool AutoPicksBf16 => false;

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object?> Settings => new Dictionary<string, object?>(base.Settings)
    {
        ["ablation_value"] = 0.0,
        ["batch_size"] = Options.BatchSize,
    };

    /// <inheritdoc/>
    protected override Tensor ClassMap(CamLayerInputs layer)
    {
        var a = layer.Activations;
        var (n, k) = (a.Size(0), a.Size(1));
        var y = TargetScores.Of(layer.RequireLogits, layer.Targets, Score).Unsqueeze(1);   // y^c [N, 1]
        var targets = layer.Targets.ToArray<long>();
        var split = Model.Split(layer.Layer);
        var ablated = new Tensor[n];
        using var noGrad = Autograd.NoGrad();
        using var channels = Tensor.Arange(k, ScalarType.Int64);
        for (var i = 0; i < n; i++)
        {
            var image = a.Narrow(0, i, 1);   // [1, K, h, w]
            var input = layer.Images.Narrow(0, i, 1);   // the model input, for a head that reads it (LFI-CAM's branch)
            // y^c_k for every k: copies of A with channel k zeroed, in batches, through the head.
            ablated[i] = Batching.Map(channels, Options.BatchSize, ks =>
            {
                var keep = Functional.OneHot(ks, k).LogicalNot().To(a.DType).View(ks.Size(0), k, 1, 1);
                return TargetScores.Of(split.Head.Forward(image.Mul(keep), input), targets[i], Score);
            });
        }
        using var yk = Tensor.Stack(ablated);   // [N, K]
        foreach (var t in ablated) t.Dispose();
        var weights = y.Sub(yk).Div(y);          // (y^c − y^c_k) / y^c
        return WeightedSum(weights, a);
    }
}
