using Ocular.Vision.Datasets;
using Ocular.Vision.Models;
using Ocular.Vision.Transforms;

namespace Ocular.Vision.Training;

/// <summary>
/// How a data-set family is fed to a classifier: the input size, the normalisation recorded in the checkpoint,
/// and the training augmentation. Evaluation always uses the checkpoint's <see cref="ClassifierMetadata.Preprocessing"/>
/// (resize the short side to <see cref="ResizeSize"/>, centre-crop <see cref="InputSize"/>, scale to [0, 1], normalise).
/// </summary>
/// <remarks>
/// <list type="table">
/// <listheader><term>family</term><description>input · normalisation · <c>--augment default</c></description></listheader>
/// <item><term>shapes</term><description>its image size · mean = std = 0.5 per channel · none: Shapes' masks are not transformed and
/// its generator already varies position, rotation, scale and brightness, so geometric augmentation would only break the
/// mask ↔ pixel correspondence the explainers are judged on.</description></item>
/// <item><term>mnist, fashion-mnist</term><description>28 · 0.5 / 0.5 · none (the small compact CNN does not need it for a few epochs).</description></item>
/// <item><term>cifar10, cifar100</term><description>32 · bearpaw's (ABN, LFI-CAM) mean (0.4914, 0.4822, 0.4465), std (0.2023, 0.1994, 0.2010)
/// · RandomCrop(32, padding 4) + RandomHorizontalFlip, as bearpaw/pytorch-classification.</description></item>
/// <item><term>stl10</term><description>96 · ImageNet's · RandomCrop(96, padding 12) + RandomHorizontalFlip.</description></item>
/// <item><term>folder, list</term><description>224 (resize 256, centre-crop 224 for evaluation) · ImageNet's · RandomResizedCrop(224) +
/// RandomHorizontalFlip, the torchvision ImageNet recipe the seeds fine-tune with.</description></item>
/// </list>
/// With <c>--augment none</c> training uses the evaluation preprocessing. For a fixed-size family, an input size other
/// than the images' own resizes them first (and the crop padding is an eighth of the input size).
/// </remarks>
/// <param name="Family">The data-set kind (<see cref="DataSpec.Kind"/>).</param>
/// <param name="InputSize">The square side the model sees.</param>
/// <param name="ResizeSize">The short side images are resized to before the centre crop when evaluating.</param>
/// <param name="InChannels">Image channels (1 for MNIST-like data, else 3).</param>
/// <param name="Normalization">The per-channel normalisation.</param>
/// <param name="TrainTransform">The per-sample training transform (augmentation, scaling to [0, 1], normalisation).</param>
/// <param name="Augmentation">A one-line description of the augmentation.</param>
public sealed record DataRecipe(string Family, int InputSize, int ResizeSize, int InChannels, ImageNormalization Normalization,
    ITransform TrainTransform, string Augmentation)
{
    /// <summary>bearpaw/pytorch-classification's CIFAR statistics (used by ABN and LFI-CAM).</summary>
    public static ImageNormalization Cifar { get; } = new([0.4914, 0.4822, 0.4465], [0.2023, 0.1994, 0.2010]);

    /// <summary>The input side for image folders and lists when none is given.</summary>
    public const int DefaultFolderInputSize = 224;

    /// <summary>Chooses the recipe for data-set kind <paramref name="family"/> whose training split is <paramref name="train"/>.</summary>
    /// <param name="family">The data-set kind (<c>shapes</c>, <c>cifar10</c>, <c>folder</c>, …).</param>
    /// <param name="train">The training split (its first image gives the channels and, for fixed-size families, the size).</param>
    /// <param name="inputSize">The input side, or null for the family's default.</param>
    /// <param name="augment"><c>default</c> or <c>none</c>.</param>
    public static DataRecipe For(string family, IImageDataset train, int? inputSize, string augment)
    {
        if (train.Count == 0) throw new DatasetException($"the training split of '{family}' holds no image", "");
        long channels, height;
        using (var first = train.Get(0))
        {
            channels = first.Image.Size(0);
            height = first.Image.Size(1);
        }
        var variable = family is "folder" or "list";
        var input = inputSize ?? (variable ? DefaultFolderInputSize : checked((int)height));
        var resize = variable ? (int)Math.Round(input * 256.0 / 224.0) : input;
        var c = checked((int)channels);
        var none = augment.Equals("none", StringComparison.OrdinalIgnoreCase);
        double[] PerChannel(double v) => Enumerable.Repeat(v, c).ToArray();

        var (normalization, steps, description) = family switch
        {
            "cifar10" or "cifar100" => (Cifar, Crop(input, height, input / 8), $"RandomCrop({input}, padding {input / 8}) + RandomHorizontalFlip"),
            "stl10" => (ImageNormalization.ImageNet, Crop(input, height, input / 8), $"RandomCrop({input}, padding {input / 8}) + RandomHorizontalFlip"),
            "folder" or "list" => (ImageNormalization.ImageNet, [new RandomResizedCrop(input), new RandomHorizontalFlip()],
                $"RandomResizedCrop({input}) + RandomHorizontalFlip"),
            _ => (new ImageNormalization(PerChannel(0.5), PerChannel(0.5)), Fixed(input, height), "none"),
        };
        if (none)
        {
            steps = variable ? [new Resize(resize), new CenterCrop(input)] : Fixed(input, height);
            description = "none";
        }
        ITransform transform = new Compose([.. steps, new ToTensor(), new Normalize(normalization)]);
        return new DataRecipe(family, input, resize, c, normalization, transform, description);
    }

    // A fixed-size family: resize only when the input size differs from the images'.
    private static ITransform[] Fixed(int input, long height) => input == height ? [] : [new Resize(input)];

    private static ITransform[] Crop(int input, long height, int padding) =>
        [.. Fixed(input, height), new RandomCrop(input, padding: padding), new RandomHorizontalFlip()];

    /// <summary>The checkpoint metadata of a classifier trained with this recipe.</summary>
    public ClassifierMetadata Metadata(string architecture, IReadOnlyList<string> classNames) => new()
    {
        Architecture = architecture,
        NumClasses = classNames.Count,
        InChannels = InChannels,
        ClassNames = classNames,
        InputSize = InputSize,
        ResizeSize = ResizeSize,
        Mean = [.. Normalization.Mean],
        Std = [.. Normalization.Std],
    };
}
