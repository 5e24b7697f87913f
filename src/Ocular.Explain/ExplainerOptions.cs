using Ocular.Torch;

namespace Ocular.Explain;

/// <summary>Which output of the network a method treats as the class score y^c.</summary>
public enum ClassScore
{
    /// <summary>The logit of the class (pytorch-grad-cam's <c>ClassifierOutputTarget</c>; the project default for the CAM family).</summary>
    Logit,

    /// <summary>The softmax probability of the class (RISE's reference usage; the L-CAM/TAME Grad-CAM++ baseline).</summary>
    Probability,
}

/// <summary>How Score-CAM turns the scores of the masked inputs into channel weights.</summary>
public enum ScoreCamWeighting
{
    /// <summary>
    /// Softmax over the channels of the target scores s_k (Score-CAM paper, Algorithm 1; pytorch-grad-cam).
    /// The score is <see cref="ExplainerOptions.Score"/> (the logit by default).
    /// </summary>
    ChannelSoftmax,

    /// <summary>
    /// The softmax probability of the class on each masked input, with no softmax across channels, and
    /// weight 0 for constant channels (the authors' code <c>haofanwang/Score-CAM</c> and
    /// <c>yiskw713/ScoreCAM</c>: the L-CAM/TAME baseline).
    /// </summary>
    ClassProbability,
}

/// <summary>
/// Where the samples of a bilinear upsampling inside a method sit (PyTorch's <c>align_corners</c>).
/// It concerns only the upsamplings where the libraries a method is compared with disagree — today
/// Score-CAM's masks (pytorch-grad-cam's <c>ScoreCAM</c> uses <c>torch.nn.UpsamplingBilinear2d</c>,
/// which aligns corners). The final upsampling of every map to the input size keeps half-pixel centres
/// whatever this says: pytorch-grad-cam does it with <c>cv2.resize</c>, which uses half-pixel centres too.
/// Methods without such an upsampling (the gradient methods, CAM, Eigen-CAM, Ablation-CAM, RISE, the
/// baselines, L-CAM) accept either value and give the same maps (docs/explain.md lists them).
/// </summary>
public enum Upsampling
{
    /// <summary>
    /// Half-pixel centres, <c>F.interpolate(mode="bilinear", align_corners=False)</c> = <c>cv2.resize</c>:
    /// output pixel o samples the input at (o + ½)·h/H − ½, clamped at the edges (the project's convention and
    /// the Score-CAM authors' code, <c>haofanwang/Score-CAM</c>).
    /// </summary>
    HalfPixel,

    /// <summary>
    /// Aligned corners, <c>F.interpolate(mode="bilinear", align_corners=True)</c> = <c>nn.UpsamplingBilinear2d</c>:
    /// output pixel o samples the input at o·(h − 1)/(H − 1), so the corner pixels of input and output coincide
    /// (pytorch-grad-cam's Score-CAM; choose it to reproduce a figure made with pytorch-grad-cam).
    /// </summary>
    AlignCorners,
}

/// <summary>
/// Settings of an explainer (<see cref="ExplainerRegistry.Create"/>). Every method reads the settings
/// that concern it and ignores the others, so one options object can configure several methods.
/// </summary>
public sealed record ExplainerOptions
{
    /// <summary>
    /// The layers to explain at (torchvision paths such as <c>layer4</c>, <c>features.29</c>,
    /// <c>layer4.1</c>); null or empty for the model's <see cref="Vision.Models.Classifier.DefaultLayer"/>
    /// (<see cref="Vision.Models.Classifier.CamLayer"/> for CAM). With several layers the maps of each
    /// are averaged and min–max normalised again. Perturbation methods on the input (RISE) have no layer.
    /// </summary>
    public IReadOnlyList<string>? Layers { get; init; }

    /// <summary>
    /// How many masked or ablated copies go through the network in one libtorch call (Score-CAM,
    /// Ablation-CAM, RISE); also the image batch of <c>ocular explain</c>. The default, 16, keeps every
    /// activation of a ResNet-50 batch at 224 × 224 under the 64 MB above which glibc maps fresh pages for
    /// each allocation (the shim's malloc setting), which makes larger batches slower on CPU, not faster.
    /// </summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>
    /// The class score y^c: null for each method's reference default — the logit for the CAM family
    /// (gradient methods, Score-CAM, Ablation-CAM) and the softmax probability for RISE.
    /// </summary>
    public ClassScore? Score { get; init; }

    /// <summary>Score-CAM's channel weights (default: the paper's softmax over channels).</summary>
    public ScoreCamWeighting ScoreCamWeighting { get; init; } = ScoreCamWeighting.ChannelSoftmax;

    /// <summary>
    /// Where the samples of a method's inner bilinear upsampling sit (default <see cref="Upsampling.HalfPixel"/>).
    /// Only Score-CAM's masks depend on it (<see cref="Upsampling.AlignCorners"/> gives pytorch-grad-cam's
    /// <c>ScoreCAM</c>); the other methods accept either value and give the same maps, and every method upsamples its
    /// final map with half-pixel centres, as pytorch-grad-cam's <c>cv2.resize</c> does.
    /// </summary>
    public Upsampling Upsampling { get; init; } = Upsampling.HalfPixel;

    /// <summary>Eigen-CAM: negate a map whose most negative value outweighs its most positive one (Seg-Eigen-CAM's sign correction).</summary>
    public bool EigenSignCorrection { get; init; }

    /// <summary>
    /// Test-time augmentation smoothing (pytorch-grad-cam's <c>aug_smooth</c>): the map is the mean of
    /// the maps of the image and its horizontal flip, each with intensities multiplied by 0.9, 1 and 1.1
    /// (six passes), flipped back, then min–max normalised again.
    /// </summary>
    public bool AugSmooth { get; init; }

    /// <summary>The seed of every random draw (RISE's masks).</summary>
    public ulong Seed { get; init; }

    /// <summary>RISE: the number of random masks N (the reference default 4000; the L-CAM baseline uses 8000 for ResNet-50).</summary>
    public int RiseMasks { get; init; } = 4000;

    /// <summary>RISE: s, the side of the coarse binary grid (s × s cells) each mask is upsampled from.</summary>
    public int RiseGridSize { get; init; } = 7;

    /// <summary>RISE: p1, the probability that a grid cell is kept (1).</summary>
    public double RiseKeepProbability { get; init; } = 0.5;

    /// <summary>A learned explainer's checkpoint (e.g. L-CAM's trained attention); unused by post-hoc methods.</summary>
    public string? Checkpoint { get; init; }

    /// <summary>
    /// The arithmetic of the method's network passes (docs/precision.md): <see cref="Precision.Fp32"/> (the default),
    /// <see cref="Precision.Bf16"/> (bfloat16 autocast for every method), or <see cref="Precision.Auto"/>: bfloat16 for Score-CAM
    /// and RISE (hundreds to thousands of whole-network forward passes, no gradients) where the processor computes it natively,
    /// float32 for everything else. Maps are float32 whatever runs.
    /// </summary>
    public Precision Precision { get; init; } = Precision.Fp32;

    /// <summary>
    /// The settings of the L-CAM/TAME papers' baselines: Grad-CAM++ differentiates the softmax
    /// probability and Score-CAM weights channels by the class probability (<c>yiskw713/ScoreCAM</c>);
    /// RISE keeps its probability score. Combine with <c>RiseMasks = 8000</c> for ResNet-50.
    /// </summary>
    public static ExplainerOptions LCamBaselines { get; } = new()
    {
        Score = ClassScore.Probability,
        ScoreCamWeighting = ScoreCamWeighting.ClassProbability,
    };

    /// <summary>Checks the values; throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "the batch size must be at least 1");
        if (RiseMasks < 1) throw new ArgumentOutOfRangeException(nameof(RiseMasks), RiseMasks, "RISE needs at least one mask");
        if (RiseGridSize < 2) throw new ArgumentOutOfRangeException(nameof(RiseGridSize), RiseGridSize, "RISE's grid size s must be at least 2");
        if (!(RiseKeepProbability > 0 && RiseKeepProbability <= 1))
            throw new ArgumentOutOfRangeException(nameof(RiseKeepProbability), RiseKeepProbability, "RISE's keep probability p1 must be in (0, 1]");
        if (!Enum.IsDefined(Precision))
            throw new ArgumentOutOfRangeException(nameof(Precision), Precision, "unknown precision; expected Fp32, Bf16 or Auto");
        if (!Enum.IsDefined(Upsampling))
            throw new ArgumentOutOfRangeException(nameof(Upsampling), Upsampling, $"unknown upsampling; expected {string.Join(" or ", Enum.GetNames<Upsampling>())}");
        if (Layers is not null && Layers.Any(string.IsNullOrWhiteSpace))
            throw new ArgumentException("a layer path is empty; name a layer such as 'layer4'", nameof(Layers));
    }
}
