using System.Globalization;

namespace Ocular.Vision.Models.Attention;

/// <summary>
/// The zoo names of the attention classifiers: <c>lficam_&lt;backbone&gt;</c> and <c>abn_&lt;backbone&gt;</c> for a
/// backbone of the zoo with a last stage pooled into its head (resnet18..152, cifar_resnet&lt;depth&gt;, compact_cnn).
/// LFI-CAM's options are suffixes, so that a checkpoint's architecture name says everything needed to rebuild it:
/// <c>_stem2</c> gives a torchvision ResNet conv1 stride 2 (7×7 maps at 224 px, the March-2021 code; the default is
/// stride 1 as at the reference revision, §2.1, §7.14), <c>_relu4</c> / <c>_relu2</c> choose the FIN's ReLU pattern
/// (after every BN, the ImageNet file; after BN #2 and #4, the CIFAR file) against the backbone family's default.
/// </summary>
public static class AttentionArchitectures
{
    /// <summary>The prefix of LFI-CAM classifiers.</summary>
    public const string LfiCamPrefix = "lficam_";

    /// <summary>The prefix of ABN classifiers.</summary>
    public const string AbnPrefix = "abn_";

    /// <summary>The attention names listed by <see cref="ModelZoo.Architectures"/> (any other supported backbone works too).</summary>
    internal static readonly string[] Listed =
    [
        "lficam_resnet18", "lficam_resnet50", "lficam_cifar_resnet20", "lficam_cifar_resnet110", "lficam_compact_cnn",
        "abn_resnet18", "abn_resnet50", "abn_cifar_resnet20", "abn_cifar_resnet110", "abn_compact_cnn",
    ];

    /// <summary>The zoo name for <paramref name="backbone"/> with the attention <paramref name="method"/> (<c>lfi-cam</c> or <c>abn</c>) and LFI-CAM's options.</summary>
    /// <exception cref="ArgumentException">An unknown method, or LFI-CAM options given for ABN.</exception>
    public static string Name(string backbone, string method, int? conv1Stride = null, FinReluPattern? reluPattern = null)
    {
        var key = new string([.. method.Trim().ToLowerInvariant().Where(ch => ch is not ('-' or '_'))]);
        if (key == "abn")
        {
            if (conv1Stride is not null || reluPattern is not null) throw new ArgumentException("the conv1 stride and the FIN ReLU pattern are LFI-CAM options; ABN keeps the backbone's conv1");
            return AbnPrefix + backbone;
        }
        if (key != "lficam") throw new ArgumentException($"unknown attention '{method}': expected lfi-cam or abn");
        var name = LfiCamPrefix + backbone;
        if (conv1Stride is { } stride)
        {
            if (stride is not (1 or 2)) throw new ArgumentException($"LFI-CAM's conv1 stride is 1 (the reference revision) or 2 (torchvision, March 2021), got {stride}");
            if (!backbone.StartsWith("resnet", StringComparison.Ordinal))
                throw new ArgumentException($"the conv1 stride applies to the torchvision ResNets, not to {backbone}");
            if (stride == 2) name += "_stem2";
        }
        if (reluPattern is { } pattern && pattern != DefaultPattern(backbone)) name += pattern == FinReluPattern.AfterEveryBn ? "_relu4" : "_relu2";
        return name;
    }

    /// <summary>The FIN ReLU pattern of a backbone family: after every BN for torchvision ResNets (the ImageNet file), after BN #2 and #4 otherwise (the CIFAR file).</summary>
    public static FinReluPattern DefaultPattern(string backbone) =>
        backbone.StartsWith("resnet", StringComparison.Ordinal) ? FinReluPattern.AfterEveryBn : FinReluPattern.AfterBn2And4;

    /// <summary>Describes an attention name; false when <paramref name="key"/> has no attention prefix.</summary>
    /// <exception cref="UnsupportedBackboneException">The backbone exists but the branch cannot attach to it.</exception>
    /// <exception cref="UnknownArchitectureException">The backbone is unknown.</exception>
    internal static bool TryDescribe(string key, out ArchitectureInfo info)
    {
        info = null!;
        var isLfi = key.StartsWith(LfiCamPrefix, StringComparison.Ordinal);
        if (!isLfi && !key.StartsWith(AbnPrefix, StringComparison.Ordinal)) return false;
        var rest = key[(isLfi ? LfiCamPrefix : AbnPrefix).Length..];
        var (stem2, pattern) = (false, (FinReluPattern?)null);
        while (isLfi)
        {
            if (rest.EndsWith("_stem2", StringComparison.Ordinal)) stem2 = true;
            else if (rest.EndsWith("_relu4", StringComparison.Ordinal)) pattern = FinReluPattern.AfterEveryBn;
            else if (rest.EndsWith("_relu2", StringComparison.Ordinal)) pattern = FinReluPattern.AfterBn2And4;
            else break;
            rest = rest[..^6];
        }
        var method = isLfi ? LfiCam.MethodName : Abn.MethodName;
        var backbone = ModelZoo.Describe(rest);
        if (backbone.CamLayer is null || backbone.Name.StartsWith(LfiCamPrefix, StringComparison.Ordinal) || backbone.Name.StartsWith(AbnPrefix, StringComparison.Ordinal))
            throw new UnsupportedBackboneException(method, backbone.Name);
        if (stem2 && backbone.Family != "ResNet") throw new ArgumentException($"'{key}': _stem2 (conv1 stride 2) applies to the torchvision ResNets, not to {backbone.Name}");
        var finPattern = pattern ?? DefaultPattern(backbone.Name);
        var stride = backbone.Family == "ResNet" && isLfi && !stem2 ? 1 : 2;
        var canonical = isLfi ? Name(backbone.Name, method, backbone.Family == "ResNet" ? stride : null, finPattern) : AbnPrefix + backbone.Name;
        var channels = FeatureChannels(backbone.Name);

        info = new ArchitectureInfo(canonical, isLfi ? "LFI-CAM" : "ABN", isLfi
                ? $"LFI-CAM on {backbone.Name}: FIN of 4 conv3×3+BN on {channels} channels (ReLU {(finPattern == FinReluPattern.AfterEveryBn ? "after every BN" : "after BN 2 and 4")})" +
                  (backbone.Family == "ResNet" ? $", conv1 stride {stride.ToString(CultureInfo.InvariantCulture)}" : "")
                : $"ABN on {backbone.Name}: attention branch (stride-1 copy of {backbone.CamLayer}, map and logit heads), perception branch",
            backbone.DefaultNumClasses, backbone.DefaultInputSize, backbone.DefaultLayer, isLfi ? null : backbone.CamLayer)
        {
            HeadPath = backbone.HeadPath,
            FirstConvPath = backbone.FirstConvPath,
            Factory = (n, c) => isLfi
                ? new LfiCam(canonical, BuildBackbone(backbone, n, c, stride), finPattern)
                : new Abn(canonical, backbone.Factory(n, c)),
            Counter = (n, c) => backbone.Counter(n, c) + (isLfi ? LfiCam.BranchParameters(channels) : AbnBranchParameters(backbone.Name, n)),
        };
        return true;
    }

    private static Classifier BuildBackbone(ArchitectureInfo backbone, int numClasses, int inChannels, int stride)
    {
        if (backbone.Family != "ResNet" || stride == 2) return backbone.Factory(numClasses, inChannels);
        var (block, layers) = ResNet.Configurations[backbone.Name];
        return new ResNet(backbone.Name, block, layers, numClasses, inChannels, stemStride: stride);
    }

    // C, the channels of the last stage's output: 512·expansion (ResNet), 64·expansion (CIFAR ResNet), 128 (compact CNN).
    private static long FeatureChannels(string backbone) => backbone switch
    {
        "compact_cnn" => CompactCnn.Widths[^1],
        _ when ResNet.Configurations.TryGetValue(backbone, out var resnet) => 512L * resnet.Block.Expansion(),
        _ => 64L * CifarResNet.BlockFor(int.Parse(backbone["cifar_resnet".Length..], CultureInfo.InvariantCulture)).Expansion(),
    };

    private static long AbnBranchParameters(string backbone, int classes)
    {
        var channels = FeatureChannels(backbone);
        long stage;
        if (backbone == "compact_cnn") stage = 9L * CompactCnn.Widths[^2] * CompactCnn.Widths[^1] + 2 * CompactCnn.Widths[^1];
        else if (backbone.StartsWith("resnet", StringComparison.Ordinal))
        {
            var (kind, layers) = ResNet.Configurations[backbone];
            var inplanes = 256L * kind.Expansion();
            stage = ResidualBlocks.LayerParameters(kind, ref inplanes, 512, layers[3]);
        }
        else
        {
            var depth = int.Parse(backbone["cifar_resnet".Length..], CultureInfo.InvariantCulture);
            var kind = CifarResNet.BlockFor(depth);
            var inplanes = 32L * kind.Expansion();
            stage = ResidualBlocks.LayerParameters(kind, ref inplanes, 64, (depth - 2) / 6);
        }
        return Abn.BranchParameters(stage, channels, classes);
    }
}
