using Ocular.Torch;
using Ocular.Vision.Images;
using Ocular.Vision.Models;
using Ocular.Vision.Models.Prototypes;

namespace Ocular.Explain.Learned.Lvw;

/// <summary>
/// The <c>lvw</c> explainer: the map a prototype network (Learnable Visual Words or ProtoPNet) gives an image
/// (reference <c>learnable-visual-words.md</c> §6, <c>evaluation.py</c>): the similarity maps of its 10 highest-scoring
/// words, each resized to the input with OpenCV's bicubic interpolation (<c>INTER_CUBIC</c>), their pixel-wise maximum,
/// min–max normalised. The map does not depend on the target class (the words are ranked by score, as the original).
/// </summary>
public sealed class LvwExplainer : ExplainerBase
{
    /// <summary>The registry name.</summary>
    public const string MethodName = "lvw";

    /// <summary>The number of words whose maps are pooled (§6: 10).</summary>
    public const int TopWords = 10;

    private readonly PrototypeNetwork _model;

    /// <summary>Creates the explainer for <paramref name="model"/>, which must be a prototype network.</summary>
    /// <exception cref="ArgumentException">The model is not a prototype network.</exception>
    public LvwExplainer(Classifier model, ExplainerOptions options) : base(MethodName, model, options)
    {
        _model = model as PrototypeNetwork ?? throw new ArgumentException(
            $"lvw shows the visual words of a prototype network (lvw_*, protopnet_*), but {model?.Architecture} is not one; " +
            "train one with `ocular train lvw --base BASE.ocular --data …` (docs/lvw.md)");
    }

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object?> Settings => new Dictionary<string, object?>(base.Settings)
    {
        ["architecture"] = _model.Architecture,
        ["top_words"] = TopWords,
        ["resize"] = "opencv-bicubic",
        ["class_agnostic"] = true,
    };

    /// <inheritdoc/>
    protected override Tensor ExplainCore(Tensor images, Tensor targets)
    {
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        using var output = _model.ForwardWords(images);
        var maps = WordMaps(output, images.Size(2), images.Size(3), TopWords);
        return scope.Keep(SaliencyMaps.Normalize(maps.Max(1).Values));
    }

    /// <summary>
    /// The similarity maps of each image's <paramref name="k"/> highest-scoring words, resized to
    /// <paramref name="height"/>×<paramref name="width"/> with OpenCV's <c>INTER_CUBIC</c>: float32 [N, k, H, W], in
    /// descending order of score.
    /// </summary>
    public static Tensor WordMaps(PrototypeOutput output, long height, long width, int k)
    {
        ArgumentNullException.ThrowIfNull(output);
        using var scope = DisposeScope.Enter();
        var maps = output.ActivationMaps;
        var (n, h, w) = (maps.Size(0), maps.Size(2), maps.Size(3));
        var top = output.WordScores.TopK(Math.Min(k, maps.Size(1)), 1).Indices;
        var chosen = maps.Gather(1, top.View(n, -1, 1, 1).Expand([n, top.Size(1), h, w])).To(ScalarType.Float32).To(Device.Cpu);
        var resized = new List<Tensor>();
        for (var i = 0; i < n; i++)
        {
            using var one = chosen.Select(0, i).Contiguous();
            resized.Add(ImageIO.Resize(one, new Pair(height, width), ImageInterpolation.Bicubic));
        }
        return scope.Keep(Tensor.Stack(resized).To(maps.Device));
    }
}
