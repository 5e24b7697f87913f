using System.Globalization;
using Ocular.Vision.Models.Attention;

namespace Ocular.Vision.Models;

/// <summary>What the registry knows about an architecture, without building it.</summary>
/// <param name="Name">The registry name (<c>resnet50</c>, <c>vgg16_bn</c>, <c>cifar_resnet110</c>, …).</param>
/// <param name="Family">ResNet, VGG, AlexNet, CIFAR ResNet or compact CNN.</param>
/// <param name="Description">One line: the blocks and where the definition comes from.</param>
/// <param name="DefaultNumClasses">1000 for the ImageNet architectures, 10 for the CIFAR ResNet and the compact CNN.</param>
/// <param name="DefaultInputSize">The side of the square RGB input it is designed for.</param>
/// <param name="DefaultLayer">The layer explained by default (<see cref="Classifier.DefaultLayer"/>).</param>
/// <param name="CamLayer">The layer CAM applies to, or null (<see cref="Classifier.CamLayer"/>).</param>
public sealed record ArchitectureInfo(string Name, string Family, string Description, int DefaultNumClasses, int DefaultInputSize, string DefaultLayer, string? CamLayer)
{
    /// <summary>The path of the final linear layer (<see cref="Classifier.HeadPath"/>): <c>fc</c> or <c>classifier.6</c>.</summary>
    public required string HeadPath { get; init; }

    /// <summary>
    /// The path of the first convolution, whose weight [out, in-channels, kh, kw] tells a state dict's
    /// number of input channels: <c>conv1</c>, <c>features.0</c> or <c>block1.0</c>.
    /// </summary>
    public required string FirstConvPath { get; init; }

    internal Func<int, int, Classifier> Factory { get; init; } = null!;
    internal Func<int, int, long> Counter { get; init; } = null!;

    /// <summary>The number of parameters for <paramref name="numClasses"/> (default: <see cref="DefaultNumClasses"/>) and <paramref name="inChannels"/>, computed without building the model.</summary>
    public long ParameterCount(int? numClasses = null, int inChannels = 3) => Counter(numClasses ?? DefaultNumClasses, inChannels);
}

/// <summary>
/// The model registry: creates every architecture of the zoo by name — resnet18/34/50/101/152,
/// vgg11/13/16/19 and their <c>_bn</c> variants, alexnet (torchvision's definitions),
/// <c>cifar_resnet&lt;depth&gt;</c> for any depth 6n + 2 (bearpaw/ABN/LFI-CAM), compact_cnn, and the classifiers with
/// a built-in attention map, <c>lficam_&lt;backbone&gt;</c> and <c>abn_&lt;backbone&gt;</c> (<see cref="Attention.AttentionArchitectures"/>), and the
/// prototype networks <c>lvw_&lt;backbone&gt;</c> and <c>protopnet_&lt;backbone&gt;</c> (<see cref="Prototypes.PrototypeArchitectures"/>).
/// </summary>
public static class ModelZoo
{
    private static readonly int[] ListedCifarDepths = [20, 32, 44, 56, 110];
    private const string CifarPrefix = "cifar_resnet";

    private static readonly ArchitectureInfo[] Fixed = BuildFixed();

    /// <summary>The listed architectures, in display order (the CIFAR ResNet appears with its common depths; any depth 6n + 2 can be created).</summary>
    public static IReadOnlyList<ArchitectureInfo> Architectures { get; } =
        [.. Fixed.Take(Fixed.Length - 1), .. ListedCifarDepths.Select(CifarInfo), Fixed[^1], .. AttentionArchitectures.Listed.Select(Describe),
         .. Prototypes.PrototypeArchitectures.Listed.Select(Describe)];

    /// <summary>The listed names.</summary>
    public static IReadOnlyList<string> Names => [.. Architectures.Select(a => a.Name)];

    /// <summary>True when <paramref name="name"/> names an architecture (any valid <c>cifar_resnet&lt;depth&gt;</c> included).</summary>
    public static bool IsKnown(string name) => TryDescribe(name, out _);

    /// <summary>The architecture's description.</summary>
    /// <exception cref="UnknownArchitectureException">The name is unknown (the message lists the valid ones).</exception>
    public static ArchitectureInfo Describe(string name) =>
        TryDescribe(name, out var info) ? info : throw new UnknownArchitectureException(name, Names);

    /// <summary>
    /// Creates the architecture <paramref name="name"/> with fresh, seeded-by-the-global-generator
    /// initialisation (<c>Engine.ManualSeed</c>), in training mode, with <paramref name="numClasses"/>
    /// outputs (default: the architecture's) for <paramref name="inChannels"/>-channel images.
    /// </summary>
    /// <exception cref="UnknownArchitectureException">The name is unknown (the message lists the valid ones).</exception>
    public static Classifier Create(string name, int? numClasses = null, int inChannels = 3)
    {
        var info = Describe(name);
        var classes = numClasses ?? info.DefaultNumClasses;
        if (classes < 1) throw new ArgumentOutOfRangeException(nameof(numClasses), classes, "a classifier needs at least one class");
        return info.Factory(classes, inChannels);
    }

    private static bool TryDescribe(string name, out ArchitectureInfo info)
    {
        var key = name.Trim().ToLowerInvariant();
        info = Fixed.FirstOrDefault(a => a.Name == key)!;
        if (info is not null) return true;
        if (AttentionArchitectures.TryDescribe(key, out info)) return true;
        if (Prototypes.PrototypeArchitectures.TryDescribe(key, out info)) return true;
        if (key.StartsWith(CifarPrefix, StringComparison.Ordinal)
            && int.TryParse(key.AsSpan(CifarPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var depth)
            && depth >= 8 && (depth - 2) % 6 == 0
            && key == CifarPrefix + depth.ToString(CultureInfo.InvariantCulture))
        {
            info = CifarInfo(depth);
            return true;
        }
        return false;
    }

    private static ArchitectureInfo CifarInfo(int depth)
    {
        var block = CifarResNet.BlockFor(depth);
        var blocks = (depth - 2) / 6;
        return new(CifarPrefix + depth.ToString(CultureInfo.InvariantCulture), "CIFAR ResNet",
            $"bearpaw/ABN CIFAR ResNet-{depth}: {blocks} {block} blocks per stage (16/32/64 planes), 32×32 input",
            10, 32, "layer3", "layer3")
        {
            HeadPath = "fc",
            FirstConvPath = "conv1",
            Factory = (n, c) => new CifarResNet(depth, n, c),
            Counter = (n, c) => CifarResNet.CountParameters(depth, n, c),
        };
    }

    private static ArchitectureInfo[] BuildFixed()
    {
        var list = new List<ArchitectureInfo>();
        void AddResNet(string name, ResidualBlockKind block, int[] layers)
        {
            list.Add(new(name, "ResNet", $"torchvision {name}: {block} blocks [{string.Join(", ", layers)}]", 1000, 224, "layer4", "layer4")
            {
                HeadPath = "fc",
                FirstConvPath = "conv1",
                Factory = (n, c) => new ResNet(name, block, layers, n, c),
                Counter = (n, c) => ResNet.CountParameters(block, layers, n, c),
            });
        }
        foreach (var (name, (block, layers)) in ResNet.Configurations) AddResNet(name, block, layers);

        foreach (var (depth, config) in new[] { (11, Vgg.ConfigA), (13, Vgg.ConfigB), (16, Vgg.ConfigD), (19, Vgg.ConfigE) })
        {
            foreach (var bn in new[] { false, true })
            {
                var name = $"vgg{depth}{(bn ? "_bn" : "")}";
                var convs = config.Count(v => v != Vgg.M);
                var lastRelu = convs * (bn ? 3 : 2) + 5 - 2; // every conv is 2 (3 with BN) layers, plus 5 pools; the ReLU before the last pool
                list.Add(new(name, "VGG", $"torchvision {name}: {convs} conv layers{(bn ? " with batch norm" : "")}, 3 linear layers",
                    1000, 224, "features." + lastRelu.ToString(CultureInfo.InvariantCulture), null)
                {
                    HeadPath = "classifier.6",
                    FirstConvPath = "features.0",
                    Factory = (n, c) => new Vgg(name, config, bn, n, c),
                    Counter = (n, c) => Vgg.CountParameters(config, bn, n, c),
                });
            }
        }

        list.Add(new("alexnet", "AlexNet", "torchvision alexnet: 5 conv layers, 3 linear layers", 1000, 224, "features.11", null)
        {
            HeadPath = "classifier.6",
            FirstConvPath = "features.0",
            Factory = (n, c) => new AlexNet(n, c),
            Counter = (n, c) => AlexNet.CountParameters(n, c),
        });
        // Kept last: the CIFAR ResNets are listed before it.
        list.Add(new("compact_cnn", "compact CNN", "4 conv-BN-ReLU blocks (16/32/64/128), global average pool, linear; 64 px RGB (Shapes) or 28 px grayscale (Fashion-MNIST)",
            10, 64, "block4", "block4")
        {
            HeadPath = "fc",
            FirstConvPath = "block1.0",
            Factory = (n, c) => new CompactCnn(n, c),
            Counter = (n, c) => CompactCnn.CountParameters(n, c),
        });
        return [.. list];
    }
}

/// <summary>Thrown when a model name is not in the registry; lists the valid names.</summary>
public sealed class UnknownArchitectureException : KeyNotFoundException
{
    /// <summary>The name that was asked for.</summary>
    public string Name { get; }

    /// <summary>The listed architecture names.</summary>
    public IReadOnlyList<string> ValidNames { get; }

    /// <summary>Creates the exception.</summary>
    public UnknownArchitectureException(string name, IReadOnlyList<string> validNames)
        : base($"unknown architecture '{name}'; valid names: {string.Join(", ", validNames)} (and cifar_resnet<depth> for any depth 6n + 2)")
    {
        Name = name;
        ValidNames = validNames;
    }
}
