namespace Ocular.Vision.Training;

/// <summary>
/// A documented training recipe (<c>--preset</c>): the batch size, learning rate, weight decay, epochs, schedule and input
/// size of the original LFI-CAM and ABN scripts (reference <c>lfi-cam.md</c> §3, §4), filled in where the command line
/// does not give them. All use SGD with momentum 0.9 and lr 0.1. What they do not reproduce: the data sets' own
/// augmentation and normalisation are Ocular's (docs/training.md) — STL-10's original used RandomResizedCrop(224) and
/// the CIFAR constants; and the model is selected on a validation split unless <c>--select-on-test</c> is given.
/// </summary>
/// <param name="Name">The preset's name.</param>
/// <param name="Description">One line: where it comes from.</param>
/// <param name="BatchSize">Images per batch.</param>
/// <param name="WeightDecay">Weight decay.</param>
/// <param name="Epochs">Epochs.</param>
/// <param name="Schedule">The learning-rate schedule (<see cref="LrSchedule"/> syntax).</param>
/// <param name="InputSize">The input side, or null for the data set's own.</param>
public sealed record TrainingPreset(string Name, string Description, int BatchSize, double WeightDecay, int Epochs, string Schedule, int? InputSize)
{
    /// <summary>The learning rate of every preset (SGD, momentum 0.9).</summary>
    public const double LearningRate = 0.1;

    /// <summary>The presets.</summary>
    public static IReadOnlyList<TrainingPreset> All { get; } =
    [
        new("lficam-cifar", "LFI-CAM cifar.py as its README runs it (CIFAR-10/100, e.g. cifar_resnet110): batch 128, wd 1e-4, 300 epochs, ×0.1 at 150 and 225",
            128, 1e-4, 300, "step:150,225", null),
        new("lficam-stl10", "LFI-CAM stl.py (STL-10, resnet18 at 224 px): batch 256, wd 1e-4, 300 epochs, ×0.1 at 150 and 225",
            256, 1e-4, 300, "step:150,225", 224),
        new("lficam-catdog", "LFI-CAM imagenet.py --num_classes 2 (Cat&Dog folder with train/ and val/, resnet18): batch 256, wd 1e-4, 300 epochs, ×0.1 at 150 and 225",
            256, 1e-4, 300, "step:150,225", 224),
        new("lficam-imagenet", "LFI-CAM imagenet.py as its README runs it (ImageNet list or folder, resnet50): batch 256, wd 1e-4, 300 epochs, ×0.1 at 150 and 225",
            256, 1e-4, 300, "step:150,225", 224),
        new("abn-cifar", "ABN cifar.py (CIFAR-100 ResNet-110): batch 128, wd 1e-4, 300 epochs, ×0.1 at 150 and 225",
            128, 1e-4, 300, "step:150,225", null),
        new("abn-imagenet", "ABN imagenet.py (ImageNet ResNet-50): batch 256, wd 1e-4, 90 epochs, ×0.1 at 31 and 61",
            256, 1e-4, 90, "step:31,61", 224),
    ];

    /// <summary>The preset called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No preset has that name (the message lists them).</exception>
    public static TrainingPreset Find(string name) =>
        All.FirstOrDefault(p => p.Name.Equals(name.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown preset '{name}'; presets: {string.Join(", ", All.Select(p => p.Name))}");
}
