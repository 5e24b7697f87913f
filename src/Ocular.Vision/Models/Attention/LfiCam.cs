using System.Globalization;
using Ocular.Torch;
using Ocular.Torch.Nn;
using F = Ocular.Torch.Functional;

namespace Ocular.Vision.Models.Attention;

/// <summary>
/// LFI-CAM (Lee et al., ICCV 2021; reference <c>lfi-cam.md</c> §2): a backbone's last feature maps F [N, C, h, w]
/// go through a Feature Importance Network (FIN) that sees them min–max normalised and modulated by a grey copy of
/// the input, and outputs one weight per channel (softmax over C); the class-agnostic map is the ReLU of the
/// weighted sum of the raw F, min–max normalised; the classifier pools (1 + A) ⊙ F into the backbone's <c>fc</c>.
/// </summary>
/// <remarks>
/// <para>Layer names are the ImageNet file's (<c>att_conv1..4</c>, <c>att_bn1..4</c>); the CIFAR file's Sequential
/// <c>attention.N</c> maps onto them by <see cref="OriginalCifarKeys"/>.</para>
/// <para>Defects of the original handled here (§7): the pools follow the feature map (the original hard-codes 8 and
/// 14, §7.6); a constant channel or map is detected before dividing rather than repaired after a 0/0, so the values
/// are the original's and the backward pass has no NaN (the original's in-place NaN repair leaves 0·∞ in the gradient
/// of a constant non-zero channel); the ReLU pattern is a parameter (§7.4).</para>
/// </remarks>
public sealed class LfiCam : AttentionClassifier
{
    /// <summary>The explainer name of the built-in map.</summary>
    public const string MethodName = "lfi-cam";

    /// <summary>Attaches the branch to <paramref name="backbone"/>'s last stage (its layers are adopted, see <see cref="AttentionClassifier"/>).</summary>
    /// <exception cref="UnsupportedBackboneException">The backbone has no last stage pooled straight into its head.</exception>
    public LfiCam(string architecture, Classifier backbone, FinReluPattern reluPattern) : base(architecture, backbone)
    {
        var (stages, last) = LastStageOf(backbone, MethodName);
        FeatureLayer = stages[last].Name;
        FeatureChannels = backbone.Head.InFeatures;
        ReluPattern = reluPattern;
        var c = FeatureChannels;
        for (var i = 1; i <= 4; i++)
        {
            var index = i.ToString(CultureInfo.InvariantCulture);
            InitBranch(RegisterBranch("att_conv" + index, new Conv2d(c, c, 3, padding: 1, bias: false)));
            InitBranch(RegisterBranch("att_bn" + index, new BatchNorm2d(c)));
        }
        stages.Insert(last + 1, ClassifierStage.FeatureMapFunction("lfi_attention", (f, image) =>
        {
            var branch = Branch(f, image!);
            Record(branch.Map, null);
            branch.Weights.Dispose();
            return branch.Features;
        }, needsImage: true));
        SetStages(stages);
    }

    /// <inheritdoc/>
    public override string Method => MethodName;

    /// <summary>The backbone stage whose output F the branch reads (<c>layer4</c>, <c>layer3</c>, <c>block4</c>).</summary>
    public string FeatureLayer { get; }

    /// <summary>C, the channels of F (and of every FIN convolution).</summary>
    public long FeatureChannels { get; }

    /// <summary>Where the FIN's ReLUs are.</summary>
    public FinReluPattern ReluPattern { get; }

    /// <summary>
    /// The CIFAR file's names (<c>models/cifar/resnet_lfiv2.py</c>: a Sequential <c>attention</c> of conv, BN, conv, BN,
    /// ReLU, conv, BN, conv, BN, ReLU, pool, and <c>fc</c> inside a Sequential) → this model's names.
    /// </summary>
    public static IReadOnlyDictionary<string, string> OriginalCifarKeys { get; } = new Dictionary<string, string>
    {
        ["attention.0"] = "att_conv1", ["attention.1"] = "att_bn1", ["attention.2"] = "att_conv2", ["attention.3"] = "att_bn2",
        ["attention.5"] = "att_conv3", ["attention.6"] = "att_bn3", ["attention.7"] = "att_conv4", ["attention.8"] = "att_bn4",
        ["fc.0"] = "fc",
    };

    /// <summary>The branch's outputs for one batch (owned by the caller).</summary>
    /// <param name="Features">(1 + A) ⊙ F [N, C, h, w] (§2.2 step 5).</param>
    /// <param name="Map">A [N, 1, h, w] (step 4).</param>
    /// <param name="Weights">w [N, C], the FIN's channel softmax (step 3); each row sums to 1.</param>
    public sealed record BranchOutput(Tensor Features, Tensor Map, Tensor Weights);

    /// <summary>
    /// Steps 1–5 of §2.2 for feature maps <paramref name="features"/> [N, C, h, w] of the normalised input
    /// <paramref name="image"/> [N or 1, channels, H, W].
    /// </summary>
    public BranchOutput Branch(Tensor features, Tensor image)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(image);
        if (features.Dim != 4 || features.Size(1) != FeatureChannels)
            throw new ArgumentException($"{Architecture}: the LFI-CAM branch takes {FeatureLayer}'s maps [N, {FeatureChannels}, h, w], got {Tensor.ShapeString(features.Shape)}");
        using var scope = DisposeScope.Enter();
        var (n, c, h, w) = (features.Size(0), features.Size(1), features.Size(2), features.Size(3));

        // Step 1: the grey guide, the mean of the normalised channels, resized to h×w (bilinear, align_corners=False).
        var guide = F.Interpolate(image.Mean([1], keepDim: true), new Pair(h, w), mode: InterpolationMode.Bilinear, alignCorners: false);

        // Step 2: the normalised features times the guide.
        var flat = features.Reshape(n, c, h * w);
        var guided = NormaliseFeatures(features).Mul(guide);

        // Step 3: the FIN, global average pool, softmax over channels.
        var x = guided;
        for (var i = 1; i <= 4; i++)
        {
            var index = i.ToString(CultureInfo.InvariantCulture);
            x = GetSubmodule("att_bn" + index).Call(GetSubmodule("att_conv" + index).Call(x));
            if (ReluPattern == FinReluPattern.AfterEveryBn || i % 2 == 0) x = x.Relu();
        }
        var weights = F.Softmax(x.Mean([2, 3]), 1);                                   // w [N, C]

        // Step 4: A = ReLU(Σ_c w_c F_c) on the raw F, min–max per sample.
        var map = NormaliseMap(weights.Unsqueeze(1).Bmm(flat).Relu().View(n, 1, h, w));

        // Step 5: F′ = A ⊙ F + F.
        var reweighted = features.Mul(map).Add(features);
        return new BranchOutput(scope.Keep(reweighted), scope.Keep(map), scope.Keep(weights));
    }

    /// <summary>
    /// §2.2 step 2 before the guide: F [N, C, h, w] min–max normalised over space per (sample, channel); a constant
    /// channel gives 1 (the original's NaN rule), and wherever F is exactly 0 the result is 0.
    /// </summary>
    public static Tensor NormaliseFeatures(Tensor features)
    {
        ArgumentNullException.ThrowIfNull(features);
        using var scope = DisposeScope.Enter();
        var flat = features.Reshape(features.Size(0), features.Size(1), -1);
        var normalised = MinMax(flat, constantKeepsValue: false).MaskedFill(flat.Eq(0), 0.0);
        return scope.Keep(normalised.View(features.Shape));
    }

    /// <summary>§2.2 step 4's normalisation: a map [N, 1, h, w] min–max normalised per sample; a constant map keeps its value.</summary>
    public static Tensor NormaliseMap(Tensor map)
    {
        ArgumentNullException.ThrowIfNull(map);
        using var scope = DisposeScope.Enter();
        var flat = map.Reshape(map.Size(0), map.Size(1), -1);
        return scope.Keep(MinMax(flat, constantKeepsValue: true).View(map.Shape));
    }

    /// <summary>
    /// (v − min)/(max − min) over the last dimension; where max = min, the value itself when <paramref name="constantKeepsValue"/>
    /// (the map's rule) or 1 (the features' NaN rule). The division never sees a zero denominator.
    /// </summary>
    private static Tensor MinMax(Tensor values, bool constantKeepsValue)
    {
        var min = values.Amin([-1], keepDim: true);
        var range = values.Amax([-1], keepDim: true).Sub(min);
        var varies = range.Gt(0);
        var scaled = values.Sub(min).Div(Tensor.Where(varies, range, 1.0));
        return constantKeepsValue ? Tensor.Where(varies, scaled, values) : Tensor.Where(varies, scaled, 1.0);
    }

    /// <summary>The number of parameters the branch adds for <paramref name="channels"/> = C: 4·9·C² weights and 4·2·C BN parameters (§2.3).</summary>
    public static long BranchParameters(long channels) => 4 * 9 * channels * channels + 4 * 2 * channels;
}
