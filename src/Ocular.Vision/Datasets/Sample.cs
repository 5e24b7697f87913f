using Ocular.Torch;
using Ocular.Vision.Transforms;

namespace Ocular.Vision.Datasets;

/// <summary>
/// One sample of a data set: the image, its label, and, where the data set has them, the ground-truth
/// evidence mask and the concept masks. The sample owns its tensors: dispose it.
/// </summary>
/// <remarks>
/// Masks describe the image as the data set produced it. <see cref="ApplyTransform"/> transforms the
/// image only: with a masked data set (Shapes) use photometric transforms (colour, noise, normalisation)
/// and no geometric ones (flips, crops, resizes), or the masks no longer describe the image. A transform
/// that changes the image's height or width is refused when the sample has masks.
/// </remarks>
public sealed class Sample : IDisposable
{
    /// <summary>Creates a sample that takes ownership of the given tensors.</summary>
    /// <param name="image">The image, <c>[C, H, W]</c> (uint8 as read; any type after a transform).</param>
    /// <param name="label">The class index (−1 for unlabelled data).</param>
    /// <param name="index">The sample's index in its data set.</param>
    /// <param name="path">The file the sample was read from, if any.</param>
    /// <param name="evidenceMask">Bool <c>[H, W]</c>: exactly the pixels that decide the label.</param>
    /// <param name="conceptMasks">Bool <c>[K, H, W]</c>: one mask per name in <paramref name="conceptNames"/>.</param>
    /// <param name="conceptNames">The names of the concept masks, in order.</param>
    public Sample(Tensor image, long label, int index = -1, string? path = null, Tensor? evidenceMask = null,
        Tensor? conceptMasks = null, IReadOnlyList<string>? conceptNames = null)
    {
        if (image.Dim != 3) throw new ArgumentException($"a sample image is [C, H, W], got shape {Tensor.ShapeString(image.Shape)}", nameof(image));
        if ((conceptMasks is null) != (conceptNames is null))
            throw new ArgumentException("concept masks and concept names go together");
        if (conceptMasks is not null && conceptMasks.Size(0) != conceptNames!.Count)
            throw new ArgumentException($"{conceptMasks.Size(0)} concept masks for {conceptNames.Count} concept names", nameof(conceptMasks));
        Image = image;
        Label = label;
        Index = index;
        Path = path;
        EvidenceMask = evidenceMask;
        ConceptMasks = conceptMasks;
        ConceptNames = conceptNames ?? [];
    }

    /// <summary>The image, <c>[C, H, W]</c>: uint8 as the data set returns it.</summary>
    public Tensor Image { get; private set; }

    /// <summary>The class index (−1 for unlabelled data such as STL-10's unlabelled split).</summary>
    public long Label { get; }

    /// <summary>The sample's index in its data set (−1 when unknown).</summary>
    public int Index { get; }

    /// <summary>The file the sample was read from, or null for in-memory and generated data.</summary>
    public string? Path { get; }

    /// <summary>Bool <c>[H, W]</c>: exactly the pixels that decide the label, or null when the data set has no ground truth.</summary>
    public Tensor? EvidenceMask { get; }

    /// <summary>Bool <c>[K, H, W]</c>: mask <c>k</c> marks the pixels of concept <c>ConceptNames[k]</c>; null when the data set has none.</summary>
    public Tensor? ConceptMasks { get; }

    /// <summary>The names of the concept masks (empty when there are none).</summary>
    public IReadOnlyList<string> ConceptNames { get; }

    /// <summary>The mask of the concept <paramref name="name"/> (a new bool <c>[H, W]</c> tensor that the caller owns).</summary>
    /// <exception cref="KeyNotFoundException">The sample has no concept of that name.</exception>
    public Tensor ConceptMask(string name)
    {
        var k = 0;
        while (k < ConceptNames.Count && ConceptNames[k] != name) k++;
        if (k == ConceptNames.Count || ConceptMasks is null)
            throw new KeyNotFoundException($"the sample has no concept '{name}'; its concepts are: {string.Join(", ", ConceptNames)}");
        return ConceptMasks.Select(0, k);
    }

    /// <summary>
    /// Replaces the image by <paramref name="transform"/>'s result (the old image is disposed). Masks are
    /// not transformed; see the remarks of <see cref="Sample"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The sample has masks and the transform changed the image size.</exception>
    public void ApplyTransform(ITransform transform, Generator? generator = null)
    {
        var result = transform.Apply(Image, generator);
        if (ReferenceEquals(result, Image))
            throw new InvalidOperationException($"{transform.GetType().Name}.Apply returned its input object; a transform must return a new tensor");
        var hasMasks = EvidenceMask is not null || ConceptMasks is not null;
        if (hasMasks && (result.Dim != 3 || result.Size(1) != Image.Size(1) || result.Size(2) != Image.Size(2)))
        {
            var shape = Tensor.ShapeString(result.Shape);
            result.Dispose();
            throw new InvalidOperationException(
                $"{transform.GetType().Name} turned the image of sample {Index} from {Tensor.ShapeString(Image.Shape)} into {shape}, " +
                "but the sample's masks keep the original geometry; use only photometric transforms on masked samples");
        }
        Image.Dispose();
        Image = result;
    }

    /// <summary>Releases the image and the masks.</summary>
    public void Dispose()
    {
        Image.Dispose();
        EvidenceMask?.Dispose();
        ConceptMasks?.Dispose();
    }
}
