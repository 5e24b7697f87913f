using Ocular.Torch;
using Ocular.Vision.Models;

namespace Ocular.Explain.Methods;

/// <summary>
/// Score-CAM (Wang et al., CVPRW 2020, arXiv 1910.01279; reference §2.8): each channel's map, upsampled
/// to the input size and min–max normalised, masks the input, and the class score of the masked input
/// weighs the channel. H^k = upsample(A^k), Ĥ^k = (H^k − min)/(max − min + 1e-8), s_k = y^c(x ⊙ Ĥ^k),
/// α^c = softmax_k(s) (Algorithm 1), L^c = ReLU(Σ_k α^c_k A^k).
/// </summary>
/// <remarks>
/// <para>The K masked copies of an image go through the network <see cref="ExplainerOptions.BatchSize"/> at a
/// time, built and scored inside libtorch (channels-last); only the scores are kept.</para>
/// <para>Differences from pytorch-grad-cam's <c>ScoreCAM</c>. (1) By default the masks are upsampled with half-pixel
/// centres (<c>align_corners=False</c>, the project's convention and the Score-CAM authors' code) where
/// pytorch-grad-cam's <c>UpsamplingBilinear2d</c> aligns corners; issue 13 measured that this alone changes the maps
/// of a trained ResNet-18 at 112² markedly (Pearson r ≈ 0.82 at layer4, 0.88 at layer3).
/// <see cref="ExplainerOptions.Upsampling"/> = <see cref="Upsampling.AlignCorners"/> (<c>--upsample align-corners</c>)
/// upsamples the masks as pytorch-grad-cam does, and the maps then equal its maps once both are min–max normalised
/// (its normalisation before <c>cv2.resize</c>, see <see cref="SaliencyMaps"/>, is the only difference left). The final
/// map is upsampled with half-pixel centres either way, as pytorch-grad-cam's <c>cv2.resize</c> does. (2) A constant
/// channel (max = min at the layer) gets the mask Ĥ = 0 that the formula gives in exact arithmetic — its masked input
/// is the zero tensor, scored once — where float rounding of the upsampled constant can make pytorch-grad-cam's
/// division by 1e-8 produce an arbitrary mask.</para>
/// <para>As in the reference, the mask multiplies the normalised input tensor. The score is the logit by default
/// (<see cref="ExplainerOptions.Score"/>). <see cref="ScoreCamWeighting.ClassProbability"/> weights each channel by
/// the softmax probability of the class instead, with no softmax across channels and weight 0 for constant
/// channels (<c>haofanwang/Score-CAM</c>, <c>yiskw713/ScoreCAM</c>: the L-CAM/TAME baseline).</para>
/// </remarks>
public sealed class ScoreCam(Classifier model, ExplainerOptions options)
    : CamBase("score-cam", model, options, model.DefaultLayer, usesGradients: false)
{
    /// <summary>The ε of the per-channel normalisation's denominator.</summary>
    public const double Epsilon = 1e-8;

    /// <inheritdoc/>
    protected override bool AutoPicksBf16 => true;

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object?> Settings => new Dictionary<string, object?>(base.Settings)
    {
        ["weighting"] = Options.ScoreCamWeighting == ScoreCamWeighting.ChannelSoftmax ? "channel-softmax" : "class-probability",
        ["upsample"] = Options.Upsampling == Upsampling.AlignCorners ? "align-corners" : "half-pixel",
        ["batch_size"] = Options.BatchSize,
    };

    /// <inheritdoc/>
    protected override Tensor ClassMap(CamLayerInputs layer)
    {
        var a = layer.Activations;
        var (n, k) = (a.Size(0), a.Size(1));
        var (height, width) = (layer.Images.Size(2), layer.Images.Size(3));
        var byProbability = Options.ScoreCamWeighting == ScoreCamWeighting.ClassProbability;
        var score = byProbability ? ClassScore.Probability : Score;
        var flat = a.Flatten(2);
        var constant = flat.Amax(2).Eq(flat.Amin(2));   // [N, K]
        var targets = layer.Targets.ToArray<long>();
        var weights = new Tensor[n];
        using var noGrad = Autograd.NoGrad();
        for (var i = 0; i < n; i++)
        {
            using var scope = DisposeScope.Enter();
            var image = layer.Images.Select(0, i).Permute(1, 2, 0).Contiguous().Unsqueeze(0);   // [1, H, W, C], stored HWC
            var varying = constant.Select(0, i).LogicalNot().Nonzero().Squeeze(1);
            var activations = a.Select(0, i).IndexSelect(0, varying);             // [M, h, w]
            var m = varying.Size(0);
            var fill = byProbability || m == k ? 0.0 : ZeroInputScore(layer.Images, targets[i], score);
            var all = Tensor.Full([k], fill, ScalarType.Float32);
            if (m > 0)
            {
                var scores = Batching.Map(activations, Options.BatchSize, chunk =>
                {
                    // H^k, upsampled as the options say (half-pixel centres, or pytorch-grad-cam's aligned corners),
                    // then Ĥ^k = (H^k − min)/(max − min + ε).
                    var up = SaliencyMaps.Upsample(chunk, height, width, Options.Upsampling);   // [B, H, W]
                    var min = up.Amin([1, 2], keepDim: true);
                    var max = up.Amax([1, 2], keepDim: true);
                    var masks = up.Sub(min).Div(max.Sub(min).Add(Epsilon)).Unsqueeze(3);   // [B, H, W, 1]
                    // x ⊙ Ĥ^k, built channels-last ([B, H, W, C] seen as [B, C, H, W]).
                    var masked = image.Mul(masks).Permute(0, 3, 1, 2);
                    return TargetScores.Of(Model.Call(masked), targets[i], score);
                });
                all.IndexPut_([varying], scores.To(ScalarType.Float32));
            }
            // α^c = softmax over the channels of the scores (Algorithm 1), or the probabilities themselves.
            weights[i] = scope.Keep(byProbability ? all : Functional.Softmax(all, 0));
        }
        using var stacked = Tensor.Stack(weights);
        foreach (var w in weights) w.Dispose();
        return WeightedSum(stacked, a);
    }

    /// <summary>y^c of the all-zero input: the score of a constant channel's masked input (Ĥ = 0).</summary>
    private double ZeroInputScore(Tensor images, long target, ClassScore score)
    {
        using var scope = DisposeScope.Enter();
        var zero = Tensor.Zeros([1, images.Size(1), images.Size(2), images.Size(3)], images.DType);
        return TargetScores.Of(Model.Call(zero), target, score).Item<float>();
    }
}
