using Ocular.Evaluation.Metrics;
using Ocular.Torch;

namespace Ocular.Evaluation;

/// <summary>How <see cref="Evaluator"/> runs: which metrics, at which settings, in which batches.</summary>
public sealed record EvaluationSettings
{
    /// <summary>
    /// The metrics (<see cref="MetricCatalog"/> names), or null for <see cref="MetricCatalog.Defaults"/>.
    /// A metric named here that the data cannot support (pointing without ground-truth masks, top-k
    /// without labels) is an error; a default one is skipped with a note.
    /// </summary>
    public IReadOnlyList<string>? Metrics { get; init; }

    /// <summary>Keep levels of AD, IC, AG and masked top-k, in percent of pixels kept (L-CAM's 100, 50, 15).</summary>
    public IReadOnlyList<int> KeepPercent { get; init; } = [100, 50, 15];

    /// <summary>Pixels per deletion/insertion step; null = the input width, so that an H×W input has H steps (RISE's 224 at 224×224).</summary>
    public int? Step { get; init; }

    /// <summary>ROAD's percentages of pixels removed.</summary>
    public IReadOnlyList<int> RoadPercent { get; init; } = Road.DefaultRemovedPercent;

    /// <summary>The seed of ROAD's noise and of the sanity check's re-initialisation.</summary>
    public ulong Seed { get; init; }

    /// <summary>Images per forward pass when scoring masked copies (8: on a CPU, ResNet-50's per-image time is flat up to batch 4–8 and grows beyond, as activations leave the caches; a GPU wants more).</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Images loaded, explained and scored together (all metrics per chunk; bounds memory).</summary>
    public int ChunkSize { get; init; } = 32;

    /// <summary>Evaluate only the first N images of the split (null: all).</summary>
    public int? Limit { get; init; }

    /// <summary>The pointing game's tolerance in pixels (the original's 15).</summary>
    public int PointingTolerance { get; init; } = 15;

    /// <summary>Min–max normalise every map per image instead of refusing maps outside [0, 1].</summary>
    public bool NormalizeMaps { get; init; }

    /// <summary>The method whose maps <c>iou</c> and <c>stability</c> compare against.</summary>
    public string? Reference { get; init; }

    /// <summary>The percentile at which <c>iou</c> binarises each map (0–100).</summary>
    public double IouPercentile { get; init; } = 50;

    /// <summary>The threshold t of <c>stability</c> (maps binarised at &gt; t/255).</summary>
    public int StabilityThreshold { get; init; } = 100;

    /// <summary>How many of the first images the sanity check uses (it recomputes every map once per layer).</summary>
    public int SanityImages { get; init; } = 16;

    /// <summary>
    /// The arithmetic of the metrics' network passes (docs/precision.md): <see cref="Precision.Fp32"/> (the default),
    /// <see cref="Precision.Bf16"/>, or <see cref="Precision.Auto"/> (bf16 where the processor computes it natively). The
    /// explainers' precision is <see cref="Explain.ExplainerOptions.Precision"/>.
    /// </summary>
    public Precision Precision { get; init; } = Precision.Fp32;

    /// <summary>How many of the first images the report's gallery shows.</summary>
    public int GalleryImages { get; init; } = 8;

    /// <summary>Throws when a setting is out of range.</summary>
    public void Validate()
    {
        if (KeepPercent.Count == 0 || KeepPercent.Any(k => k is < 1 or > 100)) throw new ArgumentOutOfRangeException(nameof(KeepPercent), "keep levels must be percentages in 1..100");
        if (Step is < 1) throw new ArgumentOutOfRangeException(nameof(Step), Step, "the deletion/insertion step must be at least 1 pixel");
        if (RoadPercent.Count == 0 || RoadPercent.Any(p => p is < 1 or > 99)) throw new ArgumentOutOfRangeException(nameof(RoadPercent), "ROAD percentages (pixels removed) must be in 1..99");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "batch size must be at least 1");
        if (ChunkSize < 1) throw new ArgumentOutOfRangeException(nameof(ChunkSize), ChunkSize, "chunk size must be at least 1");
        if (Limit is < 1) throw new ArgumentOutOfRangeException(nameof(Limit), Limit, "limit must be at least 1 image");
        if (PointingTolerance < 0) throw new ArgumentOutOfRangeException(nameof(PointingTolerance), PointingTolerance, "tolerance must be non-negative");
        if (IouPercentile is < 0 or > 100) throw new ArgumentOutOfRangeException(nameof(IouPercentile), IouPercentile, "percentile must be in 0..100");
        if (StabilityThreshold is < 0 or > 255) throw new ArgumentOutOfRangeException(nameof(StabilityThreshold), StabilityThreshold, "threshold is on the 0..255 scale");
        if (SanityImages < 1) throw new ArgumentOutOfRangeException(nameof(SanityImages), SanityImages, "the sanity check needs at least one image");
        if (!Enum.IsDefined(Precision)) throw new ArgumentOutOfRangeException(nameof(Precision), Precision, "unknown precision; expected Fp32, Bf16 or Auto");
        if (GalleryImages < 0) throw new ArgumentOutOfRangeException(nameof(GalleryImages), GalleryImages, "gallery size must be non-negative");
    }
}
