namespace Ocular.Evaluation.Stability;

/// <summary>A model of the study and how it did on the images.</summary>
/// <param name="Label">Its short name.</param>
/// <param name="Path">Its checkpoint.</param>
/// <param name="Architecture">Its zoo architecture.</param>
/// <param name="WeightsHash">SHA-256 of its weights (<see cref="Vision.Models.ClassifierCheckpoint.WeightsHash"/>).</param>
/// <param name="Top1">Top-1 accuracy on the images in percent, or null when the images have no labels.</param>
public sealed record StabilityModelResult(string Label, string Path, string Architecture, string WeightsHash, double? Top1);

/// <summary>Two models' maps compared image by image.</summary>
/// <param name="A">The first model's position in <see cref="StabilityResult.Models"/>.</param>
/// <param name="B">The second model's position.</param>
/// <param name="IoU">IoU of each image (in <see cref="StabilityResult.ImageIds"/> order).</param>
/// <param name="Dice">Dice of each image.</param>
/// <param name="MeanIoU">The mean IoU over the images.</param>
/// <param name="MeanDice">The mean Dice over the images.</param>
public sealed record StabilityPair(int A, int B, double[] IoU, double[] Dice, double MeanIoU, double MeanDice);

/// <summary>One model under FGSM: accuracy on clean and adversarial images, and how much its map moved.</summary>
/// <param name="Model">The model's position in <see cref="StabilityResult.Models"/>.</param>
/// <param name="CleanTop1">Top-1 on the clean images, in percent.</param>
/// <param name="AdversarialTop1">Top-1 on the adversarial images, in percent.</param>
/// <param name="MapIoU">Mean IoU between the map of each clean image and of its adversarial copy (same IoU settings as the pairs).</param>
/// <param name="MapDice">Mean Dice, likewise.</param>
public sealed record FgsmModelResult(int Model, double CleanTop1, double AdversarialTop1, double MapIoU, double MapDice);

/// <summary>The FGSM block of a study (<see cref="Fgsm"/>).</summary>
/// <param name="Epsilon">ε on the [0, 1] pixel scale.</param>
/// <param name="Models">One entry per model, in model order.</param>
public sealed record FgsmResult(double Epsilon, IReadOnlyList<FgsmModelResult> Models);

/// <summary>What a stability study found (<see cref="StabilityStudy.Run"/>).</summary>
public sealed record StabilityResult
{
    /// <summary>The settings it ran with (the method and data as resolved).</summary>
    public required StabilityOptions Options { get; init; }

    /// <summary>The explainer compared.</summary>
    public required string Method { get; init; }

    /// <summary>The data set's specification.</summary>
    public required string Data { get; init; }

    /// <summary>The models, in the order given.</summary>
    public required IReadOnlyList<StabilityModelResult> Models { get; init; }

    /// <summary>The image identifiers, in data-set order (the order of every per-image array).</summary>
    public required IReadOnlyList<string> ImageIds { get; init; }

    /// <summary>The input size H×W every map has.</summary>
    public required (int Height, int Width) InputSize { get; init; }

    /// <summary>Every pair of models (i &lt; j), in order (0, 1), (0, 2), …, (1, 2), ….</summary>
    public required IReadOnlyList<StabilityPair> Pairs { get; init; }

    /// <summary>The FGSM block, or null when not asked for.</summary>
    public FgsmResult? Fgsm { get; init; }

    /// <summary>What could not be checked, or looks suspicious (a model without a training record, identical weights).</summary>
    public required IReadOnlyList<string> Warnings { get; init; }

    /// <summary>The mean over pairs of the pairs' mean IoU (§5.3 item 6).</summary>
    public double MeanIoU => Pairs.Average(p => p.MeanIoU);

    /// <summary>The mean over pairs of the pairs' mean Dice.</summary>
    public double MeanDice => Pairs.Average(p => p.MeanDice);
}
