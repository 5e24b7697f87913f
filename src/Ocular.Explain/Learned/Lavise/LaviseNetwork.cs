using Ocular.Torch;
using Ocular.Torch.Nn;

namespace Ocular.Explain.Learned.Lavise;

/// <summary>
/// LaViSE's explainer Exp(·) (lavise.md §2): the MLP that maps a pooled, masked feature vector of the frozen network's
/// layer (d values) to a point of the word-embedding space (E values, 300 for GloVe 6B-300d):
/// <c>BatchNorm1d(d) → Dropout(0.1) → Linear(d, d) → ReLU → BatchNorm1d(d) → Dropout(0.1) → Linear(d, E)</c>.
/// The children are named <c>0</c>…<c>6</c> as in the original's <c>nn.Sequential</c> that replaces <c>fc</c>, so its
/// state dict reads the original's <c>fc.N.*</c> keys by name. 418,604 parameters for d = 512, E = 300 (§9).
/// </summary>
public sealed class LaviseNetwork : Module
{
    private readonly Sequential _layers;

    /// <summary>Creates the explainer with PyTorch's default initialisation.</summary>
    /// <param name="featureChannels">d, the channels of the explained layer (from a dry run, §8.8).</param>
    /// <param name="embeddingDimension">E, the dimension of the word embeddings.</param>
    /// <param name="dropout">The dropout probability of both dropout layers (0.1).</param>
    public LaviseNetwork(long featureChannels, long embeddingDimension, double dropout = 0.1)
    {
        if (featureChannels <= 0) throw new ArgumentOutOfRangeException(nameof(featureChannels), featureChannels, "the layer's channel count must be positive");
        if (embeddingDimension <= 0) throw new ArgumentOutOfRangeException(nameof(embeddingDimension), embeddingDimension, "the embedding dimension must be positive");
        FeatureChannels = featureChannels;
        EmbeddingDimension = embeddingDimension;
        _layers = new Sequential(
            new BatchNorm1d(featureChannels), new Dropout(dropout), new Linear(featureChannels, featureChannels), new ReLU(),
            new BatchNorm1d(featureChannels), new Dropout(dropout), new Linear(featureChannels, embeddingDimension));
        foreach (var (name, module) in _layers.NamedChildren()) RegisterModule(name, module);
    }

    /// <summary>d, the input width.</summary>
    public long FeatureChannels { get; }

    /// <summary>E, the output width.</summary>
    public long EmbeddingDimension { get; }

    /// <summary>Maps pooled features <c>[B, d]</c> to embeddings <c>[B, E]</c> (not normalised; the loss and the word queries use cosines).</summary>
    public override Tensor Forward(Tensor input)
    {
        if (input.Dim != 2 || input.Size(1) != FeatureChannels)
            throw new ArgumentException($"the LaViSE explainer takes pooled features [B, {FeatureChannels}], got {Tensor.ShapeString(input.Shape)}", nameof(input));
        return _layers.Forward(input);
    }

    /// <summary>
    /// The original's <c>set_bn_eval</c> quirk (§3.5, §8.7): keeps both BatchNorm1d layers in evaluation mode while the
    /// rest trains, so their running statistics stay at 0 / 1 and each acts as a learnable affine layer.
    /// </summary>
    public void FreezeBatchNorm()
    {
        foreach (var (_, module) in _layers.NamedChildren())
            if (module is BatchNorm1d bn) bn.Eval();
    }
}
