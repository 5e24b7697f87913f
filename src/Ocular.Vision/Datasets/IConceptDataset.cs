namespace Ocular.Vision.Datasets;

/// <summary>
/// A data set whose samples carry concept masks (<see cref="Sample.ConceptMasks"/>, bool <c>[K, H, W]</c> at the
/// image's own resolution, named by <see cref="Sample.ConceptNames"/>; a name may repeat within a sample, e.g. two
/// <c>person</c> instances in COCO): the reference data that LaViSE's explainer learns words from (lavise.md §3.2).
/// <see cref="Concepts"/> lists every concept name the data set can produce, in a fixed order.
/// </summary>
public interface IConceptDataset : IImageDataset
{
    /// <summary>Every concept name a sample can carry, each once, in the data set's fixed order.</summary>
    IReadOnlyList<string> Concepts { get; }
}
