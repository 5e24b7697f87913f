using System.Globalization;
using System.Text.RegularExpressions;

namespace Ocular.Vision.Models.Prototypes;

/// <summary>
/// The zoo names of the prototype networks: <c>lvw_&lt;backbone&gt;</c> (Learnable Visual Words) and
/// <c>protopnet_&lt;backbone&gt;</c> (ProtoPNet) for any zoo backbone with a pooled convolutional trunk (resnet18..152,
/// vgg*, alexnet, cifar_resnet&lt;depth&gt;, compact_cnn), with optional suffixes <c>_w&lt;N&gt;</c> (words per class,
/// default 5: P = 5·K, reference §2) and <c>_d&lt;N&gt;</c> (word dimension, default 128), so that a checkpoint's
/// architecture name says everything needed to rebuild it. Both modes default to the same P and D, so that a
/// comparison differs only in the losses and the push (ProtoPNet's CUB setting is <c>_w10</c>).
/// </summary>
public static partial class PrototypeArchitectures
{
    /// <summary>The prefix of Learnable Visual Words networks.</summary>
    public const string LvwPrefix = "lvw_";

    /// <summary>The prefix of ProtoPNet networks.</summary>
    public const string ProtoPNetPrefix = "protopnet_";

    /// <summary>Words per class by default (reference §2: <c>prototype_shape = (K·5, 128, 1, 1)</c>).</summary>
    public const int DefaultWordsPerClass = 5;

    /// <summary>The word dimension by default.</summary>
    public const int DefaultDimension = 128;

    /// <summary>The names listed by <see cref="ModelZoo.Architectures"/> (any other supported backbone works too).</summary>
    internal static readonly string[] Listed = ["lvw_resnet34", "lvw_resnet18", "lvw_compact_cnn", "protopnet_resnet34", "protopnet_vgg19", "protopnet_compact_cnn"];

    /// <summary>The zoo name for <paramref name="backbone"/> in <paramref name="mode"/> with <paramref name="wordsPerClass"/> and <paramref name="dimension"/> (suffixes only where they differ from the defaults).</summary>
    public static string Name(string backbone, PrototypeMode mode, int wordsPerClass = DefaultWordsPerClass, int dimension = DefaultDimension)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        if (wordsPerClass < 1) throw new ArgumentOutOfRangeException(nameof(wordsPerClass), wordsPerClass, "at least one word per class");
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "the word dimension must be positive");
        var name = (mode == PrototypeMode.Lvw ? LvwPrefix : ProtoPNetPrefix) + backbone;
        if (wordsPerClass != DefaultWordsPerClass) name += "_w" + wordsPerClass.ToString(CultureInfo.InvariantCulture);
        if (dimension != DefaultDimension) name += "_d" + dimension.ToString(CultureInfo.InvariantCulture);
        return name;
    }

    /// <summary>The mode a zoo name trains in, or null when it names no prototype network.</summary>
    public static PrototypeMode? ModeOf(string architecture)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        return architecture.StartsWith(LvwPrefix, StringComparison.Ordinal) ? PrototypeMode.Lvw
            : architecture.StartsWith(ProtoPNetPrefix, StringComparison.Ordinal) ? PrototypeMode.ProtoPNet : null;
    }

    [GeneratedRegex("_(?<kind>[wd])(?<n>[0-9]+)$")]
    private static partial Regex Suffix();

    /// <summary>Describes a prototype-network name; false when <paramref name="key"/> has neither prefix.</summary>
    /// <exception cref="ArgumentException">The backbone cannot carry prototypes, or a suffix is invalid.</exception>
    /// <exception cref="UnknownArchitectureException">The backbone is unknown.</exception>
    internal static bool TryDescribe(string key, out ArchitectureInfo info)
    {
        info = null!;
        if (ModeOf(key) is not { } mode) return false;
        var rest = key[(mode == PrototypeMode.Lvw ? LvwPrefix : ProtoPNetPrefix).Length..];
        int? words = null, dimension = null;
        while (Suffix().Match(rest) is { Success: true } m)
        {
            var n = int.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture);
            if (n < 1) throw new ArgumentException($"'{key}': {(m.Groups["kind"].Value == "w" ? "words per class" : "the word dimension")} must be positive");
            if (m.Groups["kind"].Value == "w") words ??= n;
            else dimension ??= n;
            rest = rest[..m.Index];
        }
        var backbone = ModelZoo.Describe(rest);
        if (ModeOf(backbone.Name) is not null || backbone.Name.StartsWith(Attention.AttentionArchitectures.LfiCamPrefix, StringComparison.Ordinal)
            || backbone.Name.StartsWith(Attention.AttentionArchitectures.AbnPrefix, StringComparison.Ordinal))
            throw new ArgumentException($"'{key}': a prototype network needs a plain zoo backbone (resnet34, vgg19, compact_cnn, …), not {backbone.Name}");
        var (w, d) = (words ?? DefaultWordsPerClass, dimension ?? DefaultDimension);
        var canonical = Name(backbone.Name, mode, w, d);
        var channels = TrunkChannels(backbone);
        info = new ArchitectureInfo(canonical, mode == PrototypeMode.Lvw ? "Learnable Visual Words" : "ProtoPNet",
            $"{(mode == PrototypeMode.Lvw ? "Learnable Visual Words (shared words)" : "ProtoPNet (class-specific prototypes)")} on the {backbone.Name} trunk: " +
            $"add-on {channels}→{d}→{d}, {w} words per class of dimension {d}, log similarity, bias-free last layer",
            backbone.DefaultNumClasses, backbone.DefaultInputSize, backbone.DefaultLayer, null)
        {
            HeadPath = "last_layer",
            FirstConvPath = backbone.FirstConvPath,
            Factory = (n, c) => new PrototypeNetwork(canonical, backbone.Factory(n, c), mode, w, d),
            Counter = (n, c) => backbone.Counter(1, c) - NonTrunkParameters(backbone) + PrototypeNetwork.AddedParameters(channels, d, (long)w * n, n),
        };
        return true;
    }

    // The trunk's output channels: 512·expansion (ResNet), 64·expansion (CIFAR ResNet), 512 (VGG), 256 (AlexNet), 128 (compact CNN).
    private static long TrunkChannels(ArchitectureInfo backbone) => backbone.Family switch
    {
        "ResNet" => 512L * ResNet.Configurations[backbone.Name].Block.Expansion(),
        "CIFAR ResNet" => 64L * CifarResNet.BlockFor(int.Parse(backbone.Name["cifar_resnet".Length..], CultureInfo.InvariantCulture)).Expansion(),
        "VGG" => 512,
        "AlexNet" => 256,
        "compact CNN" => CompactCnn.Widths[^1],
        _ => throw new ArgumentException($"a prototype network cannot be built on {backbone.Name} ({backbone.Family})"),
    };

    // The parameters after the trunk of a one-class backbone: its head (and VGG's and AlexNet's fully connected layers).
    private static long NonTrunkParameters(ArchitectureInfo backbone) => backbone.Family switch
    {
        "VGG" => 512L * 7 * 7 * 4096 + 4096 + 4096L * 4096 + 4096 + 4096 + 1,
        "AlexNet" => 256L * 6 * 6 * 4096 + 4096 + 4096L * 4096 + 4096 + 4096 + 1,
        _ => TrunkChannels(backbone) + 1,
    };
}
