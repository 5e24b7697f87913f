using Ocular.Torch;

namespace Ocular.Evaluation;

/// <summary>
/// Everything one chunk of the evaluated images contributes to the result, computed by whichever process holds the chunk
/// and folded, in data-set order, by <see cref="ResultAccumulator"/>: the images' records, the clean top-k hits, every
/// method's metrics, the report's pictures and, for the first images, what the sanity check needs.
/// </summary>
internal sealed class ChunkOutcome
{
    /// <summary>The position of the chunk's first image.</summary>
    public required int Start { get; init; }

    /// <summary>The chunk's images, in order.</summary>
    public required IReadOnlyList<ImageRecord> Records { get; init; }

    /// <summary>Per image, whether the clean top-1 is the label (empty without labels).</summary>
    public required bool[] CleanTop1 { get; init; }

    /// <summary>Per image, whether the label is in the clean top-5 (empty without labels).</summary>
    public required bool[] CleanTop5 { get; init; }

    /// <summary>Every method's metrics, in the order of the methods.</summary>
    public required IReadOnlyList<MethodChunk> Methods { get; init; }

    /// <summary>The chunk's gallery images.</summary>
    public required IReadOnlyList<GalleryItem> Gallery { get; init; }

    /// <summary>The chunk's best and worst images that may lead (see <see cref="GalleryCandidates"/>).</summary>
    public required IReadOnlyList<ExtremeCase> Extremes { get; init; }

    /// <summary>The chunk's share of the sanity check's images, or null; <see cref="ResultAccumulator.Fold"/> takes it over.</summary>
    public SanityPart? Sanity { get; init; }
}

/// <summary>A chunk's share of the sanity check's first images: the normalised images, the explained classes and every explainer's maps (tensors owned).</summary>
/// <param name="Images">Normalised images [n, C, H, W].</param>
/// <param name="Targets">The classes explained, int64 [n].</param>
/// <param name="Maps">Explainer method → its maps [n, H, W].</param>
internal sealed record SanityPart(Tensor Images, Tensor Targets, IReadOnlyDictionary<string, Tensor> Maps) : IDisposable
{
    public void Dispose()
    {
        Images.Dispose();
        Targets.Dispose();
        foreach (var m in Maps.Values) m.Dispose();
    }
}
