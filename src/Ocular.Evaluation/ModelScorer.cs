using Ocular.Torch;
using Ocular.Vision;

namespace Ocular.Evaluation;

/// <summary>
/// A classifier as the metrics see it: raw [0, 1] images in (masked or perturbed by a metric),
/// normalised here, then run in batches under inference mode; logits or softmax probabilities out.
/// Every metric scores images through this one path, so the masking space is always explicit.
/// </summary>
public sealed class ModelScorer
{
    private readonly Func<Tensor, Tensor> _logits;

    /// <summary>Creates a scorer from a function of normalised images to logits [N, K].</summary>
    /// <param name="logitsOfNormalised">The network: normalised [N, C, H, W] in, logits [N, K] out.</param>
    /// <param name="normalization">The normalisation the network expects.</param>
    /// <param name="batchSize">How many images go through the network at once.</param>
    /// <param name="precision">
    /// The arithmetic of the network passes (an effective precision: fp32 or bf16; docs/precision.md). In bf16 each pass runs
    /// under bfloat16 autocast; inputs go channels-last and the logits come back float32 either way.
    /// </param>
    public ModelScorer(Func<Tensor, Tensor> logitsOfNormalised, ImageNormalization normalization, int batchSize = 64, Precision precision = Precision.Fp32)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be at least 1");
        if (precision is not (Precision.Fp32 or Precision.Bf16))
            throw new ArgumentOutOfRangeException(nameof(precision), precision, "resolve the precision first (ResolvedPrecision.Resolve): the scorer runs fp32 or bf16");
        _logits = logitsOfNormalised;
        Normalization = normalization;
        BatchSize = batchSize;
        Precision = precision;
    }

    /// <summary>
    /// Creates a scorer of <paramref name="model"/> (not owned), whose 4-D weights it lays out channels-last
    /// (<see cref="Torch.Nn.Module.ToChannelsLast"/>: the values and the model's outputs are unchanged, the inputs are
    /// channels-last already, and bfloat16 convolutions then need no weight reorder at each pass).
    /// </summary>
    /// <param name="model">The classifier, in evaluation mode.</param>
    /// <param name="normalization">The normalisation the network expects.</param>
    /// <param name="batchSize">How many images go through the network at once.</param>
    /// <param name="precision">The arithmetic of the network passes: fp32 or bf16.</param>
    public ModelScorer(Vision.Models.Classifier model, ImageNormalization normalization, int batchSize = 64, Precision precision = Precision.Fp32)
        : this(LaidOut(model).Call, normalization, batchSize, precision)
    {
    }

    private static Vision.Models.Classifier LaidOut(Vision.Models.Classifier model)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.ToChannelsLast();
        return model;
    }

    /// <summary>The arithmetic of the network passes: fp32 or bf16.</summary>
    public Precision Precision { get; }

    /// <summary>The normalisation applied to raw images before the network.</summary>
    public ImageNormalization Normalization { get; }

    /// <summary>Images per forward pass.</summary>
    public int BatchSize { get; }

    /// <summary>Logits [N, K] of raw [0, 1] images [N, C, H, W].</summary>
    public Tensor Logits(Tensor rawImages)
    {
        using var _ = Autograd.InferenceMode();
        return Batching.Map(rawImages, BatchSize, chunk =>
        {
            using var normalised = Normalization.Apply(chunk);
            return Pass(normalised);
        });
    }

    /// <summary>Logits [N, K] of images already in the network's (normalised) input space.</summary>
    public Tensor LogitsOfNormalised(Tensor normalisedImages)
    {
        using var _ = Autograd.InferenceMode();
        return Batching.Map(normalisedImages, BatchSize, Pass);
    }

    // One network pass at the scorer's precision, the input channels-last (oneDNN keeps every activation NHWC then:
    // faster in float32 too, and what bfloat16 convolutions want); float32 logits out.
    private Tensor Pass(Tensor normalised)
    {
        using var scope = DisposeScope.Enter();
        var input = normalised.ToChannelsLast();
        Tensor logits;
        using (ResolvedPrecision.Enter(Precision)) logits = _logits(input);
        return scope.Keep(logits.DType == ScalarType.Float32 ? logits : logits.To(ScalarType.Float32));
    }

    /// <summary>Softmax probabilities [N, K] of raw [0, 1] images.</summary>
    public Tensor Probabilities(Tensor rawImages)
    {
        using var logits = Logits(rawImages);
        return Functional.Softmax(logits, 1);
    }

    /// <summary>Softmax probabilities [N, K] of images in the network's input space.</summary>
    public Tensor ProbabilitiesOfNormalised(Tensor normalisedImages)
    {
        using var logits = LogitsOfNormalised(normalisedImages);
        return Functional.Softmax(logits, 1);
    }
}
