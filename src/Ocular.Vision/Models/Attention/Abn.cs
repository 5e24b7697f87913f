using Ocular.Torch;
using Ocular.Torch.Nn;
using F = Ocular.Torch.Functional;

namespace Ocular.Vision.Models.Attention;

/// <summary>
/// Attention Branch Network (Fukui et al., CVPR 2019; reference <c>lfi-cam.md</c> §3), LFI-CAM's comparison method.
/// The attention branch reads the input of the backbone's last stage x: a stride-1 copy of that stage
/// (<c>att_layer4</c>, <c>att_layer3</c>, <c>att_block4</c>) → BN → conv1×1 to K classes → BN → ReLU, then a map head
/// (conv3×3 K→1 → BN → sigmoid; 3×3 as the CVPR results, ABN issue #10) and a logit head (conv1×1 K→K → global average
/// pool). The perception branch is the normal last stage on x ⊙ att + x, pooled into <c>fc</c>.
/// </summary>
/// <remarks>
/// The forward pass returns the perception logits (what accuracy is measured on); <see cref="AttentionClassifier.ForwardWithAttention"/>
/// adds the map and the branch logits, and <see cref="Loss"/> is the two-term loss (§3, defect §7.15: LFI-CAM's copy
/// of ABN returned different logits for CIFAR and ImageNet). Layer names are the ABN repository's. Pools are global,
/// whatever the map size (the original hard-codes 16/8 and 14/7).
/// </remarks>
public sealed class Abn : AttentionClassifier
{
    /// <summary>The explainer name of the built-in map.</summary>
    public const string MethodName = "abn";

    private readonly string _copy;

    /// <summary>Attaches the branch before <paramref name="backbone"/>'s last stage (its layers are adopted, see <see cref="AttentionClassifier"/>).</summary>
    /// <exception cref="UnsupportedBackboneException">The backbone is not a ResNet, CIFAR ResNet or compact CNN.</exception>
    public Abn(string architecture, Classifier backbone) : base(architecture, backbone)
    {
        var (stages, last) = LastStageOf(backbone, MethodName);
        var (copy, channels) = StrideOneCopy(backbone);
        var k = backbone.NumClasses;
        AttentionLayer = stages[last].Name;
        _copy = "att_" + AttentionLayer;
        InitBranch(RegisterBranch(_copy, copy));
        InitBranch(RegisterBranch("bn_att", new BatchNorm2d(channels)));
        InitBranch(RegisterBranch("att_conv", new Conv2d(channels, k, 1, bias: false)));
        InitBranch(RegisterBranch("bn_att2", new BatchNorm2d(k)));
        InitBranch(RegisterBranch("att_conv2", new Conv2d(k, k, 1, bias: false)));
        InitBranch(RegisterBranch("att_conv3", new Conv2d(k, 1, 3, padding: 1, bias: false)));
        InitBranch(RegisterBranch("bn_att3", new BatchNorm2d(1)));
        stages.Insert(last, ClassifierStage.FeatureMapFunction("attention_branch", (x, _) =>
        {
            var (map, branchLogits, perception) = Branch(x);
            Record(map, branchLogits);
            return perception;
        }));
        SetStages(stages);
    }

    /// <inheritdoc/>
    public override string Method => MethodName;

    /// <summary>The backbone's last stage, whose input the branch reads and re-weights (<c>layer4</c>, <c>layer3</c>, <c>block4</c>).</summary>
    public string AttentionLayer { get; }

    /// <summary>
    /// The branch for the last stage's input <paramref name="x"/> [N, C_in, h, w]: the map [N, 1, h, w], the branch
    /// logits [N, K], and the perception branch's input x ⊙ map + x (owned by the caller).
    /// </summary>
    public (Tensor Map, Tensor BranchLogits, Tensor Perception) Branch(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = DisposeScope.Enter();
        var ax = GetSubmodule("bn_att").Call(GetSubmodule(_copy).Call(x));
        ax = GetSubmodule("bn_att2").Call(GetSubmodule("att_conv").Call(ax)).Relu();
        var map = GetSubmodule("bn_att3").Call(GetSubmodule("att_conv3").Call(ax)).Sigmoid();
        var logits = GetSubmodule("att_conv2").Call(ax).Mean([2, 3]);
        var perception = x.Mul(map).Add(x);
        return (scope.Keep(map), scope.Keep(logits), scope.Keep(perception));
    }

    /// <summary>CE(branch logits, y) + CE(perception logits, y), equal weights (ABN's <c>cifar.py</c>/<c>imagenet.py</c>, §3).</summary>
    public override Tensor Loss(AttentionOutput output, Tensor labels, double labelSmoothing = 0)
    {
        ArgumentNullException.ThrowIfNull(output);
        var branch = output.BranchLogits ?? throw new ArgumentException($"{Architecture}: ABN's loss needs the attention branch's logits");
        using var perception = F.CrossEntropy(output.Logits, labels, labelSmoothing: labelSmoothing);
        using var attention = F.CrossEntropy(branch, labels, labelSmoothing: labelSmoothing);
        return attention.Add(perception);
    }

    /// <summary>A fresh copy of the backbone's last stage at stride 1 and its output channels (ABN's <c>_make_layer(…, stride=1, down_size=False)</c>).</summary>
    private static (Module Copy, long Channels) StrideOneCopy(Classifier backbone)
    {
        switch (backbone)
        {
            case ResNet r:
            {
                var inplanes = 256L * r.Block.Expansion();
                return (ResidualBlocks.MakeLayer(r.Block, ref inplanes, 512, r.BlockCounts[3]), inplanes);
            }
            case CifarResNet c:
            {
                var inplanes = 32L * c.Block.Expansion();
                return (ResidualBlocks.MakeLayer(c.Block, ref inplanes, 64, (c.Depth - 2) / 6), inplanes);
            }
            case CompactCnn:
            {
                var (input, output) = (CompactCnn.Widths[^2], CompactCnn.Widths[^1]);
                return (new Sequential(new Conv2d(input, output, 3, padding: 1, bias: false), new BatchNorm2d(output), new ReLU(inplace: true)), output);
            }
            default:
                throw new UnsupportedBackboneException(MethodName, backbone.Architecture);
        }
    }

    /// <summary>The number of parameters the branch adds to a backbone whose last stage has <paramref name="stageParameters"/> parameters and outputs <paramref name="channels"/> = C, for K classes.</summary>
    public static long BranchParameters(long stageParameters, long channels, long classes) =>
        stageParameters + 2 * channels + channels * classes + 2 * classes + classes * classes + 9 * classes + 2;
}
