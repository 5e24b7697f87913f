using Ocular.Evaluation.Metrics;
using Ocular.Explain;
using Ocular.Vision.Datasets;

namespace Ocular.Evaluation.Stability;

/// <summary>The settings of a stability study (<see cref="StabilityStudy.Run"/>; reference lfi-cam.md §5.3).</summary>
public sealed record StabilityOptions
{
    /// <summary>The models: <c>.ocular</c> checkpoints or training run directories (their <c>best.ocular</c>); at least 2.</summary>
    public required IReadOnlyList<string> Models { get; init; }

    /// <summary>
    /// The explainer (an <see cref="ExplainerRegistry"/> name); null for the models' built-in map: <c>lfi-cam</c> for
    /// <c>lficam_*</c> models, <c>abn</c> for <c>abn_*</c> models (other models need a name).
    /// </summary>
    public string? Method { get; init; }

    /// <summary>The settings of the explainer (layers, seed; its batch size is <see cref="BatchSize"/>).</summary>
    public ExplainerOptions Explainer { get; init; } = new();

    /// <summary>The data set (<see cref="DataSpec"/> syntax); null for the one the models record in <c>training.options.data</c>.</summary>
    public string? Data { get; init; }

    /// <summary>The split whose images are explained (default: test).</summary>
    public DataSplit Split { get; init; } = DataSplit.Test;

    /// <summary>Explain only the first N images of the split (null: all).</summary>
    public int? Images { get; init; }

    /// <summary>t, the binarisation threshold on the 0–255 scale (the README's 100).</summary>
    public int Threshold { get; init; } = 100;

    /// <summary>How two masks of an image are compared (default: per image; the original's per-row mean is an option).</summary>
    public IoUMode IoUMode { get; init; } = IoUMode.PerImage;

    /// <summary>How a map becomes a mask (default: float; the original's uint8 export is an option).</summary>
    public ExportQuantisation Export { get; init; } = ExportQuantisation.Float;

    /// <summary>Images explained together (per model, and per explainer call).</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>FGSM's ε on the [0, 1] pixel scale (<see cref="Fgsm.PaperEpsilon"/> is the paper's); null: no adversarial block.</summary>
    public double? FgsmEpsilon { get; init; }

    /// <summary>Checks every value; the message names the setting and what is accepted.</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void Validate()
    {
        if (Models.Count < 2) throw new ArgumentException($"a stability study compares at least 2 models (--models), got {Models.Count}");
        if (Threshold is < 0 or > 255) throw new ArgumentException($"--threshold is on the 0..255 scale, got {Threshold}");
        if (Images is < 1) throw new ArgumentException($"--images must be at least 1, got {Images}");
        if (BatchSize < 1) throw new ArgumentException($"--batch-size must be at least 1, got {BatchSize}");
        if (FgsmEpsilon is { } eps && !(eps > 0 && eps <= 1)) throw new ArgumentException($"--fgsm ε must be in (0, 1] on the [0, 1] pixel scale (the paper's is {Fgsm.PaperEpsilon}), got {eps}");
        if (!Enum.IsDefined(IoUMode)) throw new ArgumentException($"unknown IoU mode {IoUMode}");
        if (!Enum.IsDefined(Export)) throw new ArgumentException($"unknown export quantisation {Export}");
        Explainer.Validate();
    }
}
