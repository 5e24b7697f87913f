using Ocular.Torch;
using Ocular.Vision.Transforms;

namespace Ocular.Vision.Datasets;

/// <summary>
/// One sample of a data set: the image, its label, and, where the data set has them, the ground-truth
/// evidence mask and the concept masks. The sample owns its tensors: dispose it.
/// </summary>
/// <remarks>
/// Masks describe the image as the data set produced it. <see cref="ApplyTransform"/> moves them with every geometric
/// step it can follow: the deterministic <see cref="Resize"/> (nearest-neighbour for the masks) and <see cref="CenterCrop"/>,
/// and the random <see cref="RandomResizedCrop"/> and <see cref="RandomHorizontalFlip"/>, whose parameters are drawn
/// once and applied to the image and the masks alike (lavise.md §8.5). Other steps that change the image's size
/// (<see cref="RandomCrop"/>, a custom transform) are refused on masked samples; a custom step that moves pixels
/// without changing the size cannot be detected, so use photometric steps (colour, noise, normalisation) besides these.
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
    public Tensor? EvidenceMask { get; private set; }

    /// <summary>Bool <c>[K, H, W]</c>: mask <c>k</c> marks the pixels of concept <c>ConceptNames[k]</c>; null when the data set has none.</summary>
    public Tensor? ConceptMasks { get; private set; }

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
    /// Replaces the image by <paramref name="transform"/>'s result (the old image is disposed). On a sample with masks,
    /// the steps that change the image's geometry must be ones that the masks can follow: <see cref="Resize"/> (the
    /// masks are resized nearest-neighbour to the image's new size), <see cref="CenterCrop"/> (cropped alike),
    /// <see cref="RandomResizedCrop"/> (the same crop, resized nearest-neighbour) and <see cref="RandomHorizontalFlip"/>
    /// (flipped alike); a <see cref="Compose"/> is followed step by step. A random step draws from
    /// <paramref name="generator"/> exactly as it does on an unmasked sample, so the image is the same with or without
    /// masks. See the remarks of <see cref="Sample"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The sample has masks and a step other than those changed the image size (the sample is left unchanged).</exception>
    public void ApplyTransform(ITransform transform, Generator? generator = null)
    {
        if (EvidenceMask is null && ConceptMasks is null)
        {
            var result = ApplyStep(transform, Image, generator);
            Image.Dispose();
            Image = result;
            return;
        }

        // Masked: run the steps one by one so that the masks can follow each geometric one. Nothing is replaced until
        // every step has succeeded, so a refused transform leaves the sample as it was.
        Tensor image = Image, evidence = EvidenceMask!, concepts = ConceptMasks!;
        try
        {
            foreach (var step in Steps(transform))
            {
                var (next, move) = step switch
                {
                    RandomResizedCrop crop => ResizedCrop(crop, image, generator),
                    RandomHorizontalFlip flip => Flip(flip, image, generator),
                    _ => Deterministic(step, image, generator),
                };
                if (move is not null)
                {
                    var size = new Pair(next.Size(1), next.Size(2));
                    try
                    {
                        if (EvidenceMask is not null) Replace(ref evidence, FollowGeometry(evidence, move, size), EvidenceMask);
                        if (ConceptMasks is not null) Replace(ref concepts, FollowGeometry(concepts, move, size), ConceptMasks);
                    }
                    catch
                    {
                        next.Dispose();
                        throw;
                    }
                }
                Replace(ref image, next, Image);
            }
        }
        catch
        {
            if (!ReferenceEquals(image, Image)) image.Dispose();
            if (!ReferenceEquals(evidence, EvidenceMask)) evidence.Dispose();
            if (!ReferenceEquals(concepts, ConceptMasks)) concepts.Dispose();
            throw;
        }
        if (!ReferenceEquals(image, Image)) { Image.Dispose(); Image = image; }
        if (!ReferenceEquals(evidence, EvidenceMask)) { EvidenceMask!.Dispose(); EvidenceMask = evidence; }
        if (!ReferenceEquals(concepts, ConceptMasks)) { ConceptMasks!.Dispose(); ConceptMasks = concepts; }
    }

    // A random resized crop: the crop drawn once (the draws of RandomResizedCrop.Apply), the masks cropped alike and
    // resized nearest-neighbour.
    private static (Tensor Next, Func<Tensor, Pair, Tensor>? Move) ResizedCrop(RandomResizedCrop crop, Tensor image, Generator? generator)
    {
        ImageFunctional.CheckImage(image, nameof(RandomResizedCrop));
        var (top, left, h, w) = crop.DrawCrop(image.Size(-2), image.Size(-1), generator);
        var next = ImageFunctional.ResizedCrop(image, top, left, h, w, crop.Size, crop.Interpolation, crop.Antialias);
        return (next, (planes, size) => ImageFunctional.ResizedCrop(planes, top, left, h, w, size, InterpolationMode.NearestExact, antialias: false));
    }

    // A random flip: drawn once (the draw of RandomHorizontalFlip.Apply), the masks flipped alike.
    private static (Tensor Next, Func<Tensor, Pair, Tensor>? Move) Flip(RandomHorizontalFlip flip, Tensor image, Generator? generator)
    {
        ImageFunctional.CheckImage(image, nameof(RandomHorizontalFlip));
        return flip.DrawFlip(generator)
            ? (ImageFunctional.HorizontalFlip(image), (planes, _) => ImageFunctional.HorizontalFlip(planes))
            : (image.Alias(), null);
    }

    // Any other step: applied to the image; when it changed the size, the masks follow a Resize or a CenterCrop, and
    // any other step is refused.
    private (Tensor Next, Func<Tensor, Pair, Tensor>? Move) Deterministic(ITransform step, Tensor image, Generator? generator)
    {
        var next = ApplyStep(step, image, generator);
        var before = image.Shape;
        if (next.Dim == 3 && next.Size(1) == before[1] && next.Size(2) == before[2]) return (next, null);
        if (step is not (Resize or CenterCrop) || next.Dim != 3)
        {
            var shape = Tensor.ShapeString(next.Shape);
            next.Dispose();
            throw new InvalidOperationException(
                $"{step.GetType().Name} turned the image of sample {Index} from {Tensor.ShapeString(before)} into {shape}, " +
                "but the sample's masks can follow only Resize, CenterCrop, RandomResizedCrop and RandomHorizontalFlip; use those and " +
                "photometric augmentation on masked samples (for example --augment none), or make the data at the size the model " +
                "takes (for example shapes:size=N)");
        }
        return step is CenterCrop crop
            ? (next, (planes, _) => ImageFunctional.CenterCrop(planes, crop.Size))
            : (next, (planes, size) => ImageFunctional.Resize(planes, size, InterpolationMode.NearestExact, antialias: false));
    }

    // One transform's result, which must be a new tensor: the caller disposes the input it replaces.
    private static Tensor ApplyStep(ITransform transform, Tensor input, Generator? generator)
    {
        var result = transform.Apply(input, generator);
        if (ReferenceEquals(result, input))
            throw new InvalidOperationException($"{transform.GetType().Name}.Apply returned its input object; a transform must return a new tensor");
        return result;
    }

    // A Compose is unrolled (recursively) so that each of its steps can be checked and followed.
    private static IEnumerable<ITransform> Steps(ITransform transform) =>
        transform is Compose compose ? compose.Transforms.SelectMany(Steps) : [transform];

    // Replaces an intermediate by the next one, disposing the intermediate unless it is the sample's own tensor.
    private static void Replace(ref Tensor current, Tensor next, Tensor? original)
    {
        if (!ReferenceEquals(current, original)) current.Dispose();
        current = next;
    }

    // Bool masks [H, W] or [K, H, W] through a geometric step, as uint8 0/1 planes: nearest-neighbour keeps them binary,
    // and "nearest-exact" samples at pixel centres as the bilinear image resize does, so masks and image stay aligned
    // (a bilinear mask would need a threshold that moves the boundary); crops and flips are exact. No planes (K = 0)
    // stay no planes, at the image's new size.
    private static Tensor FollowGeometry(Tensor masks, Func<Tensor, Pair, Tensor> move, Pair size)
    {
        if (masks.NumEl == 0) return Tensor.Zeros(masks.Dim == 2 ? [size.H, size.W] : [masks.Size(0), size.H, size.W], ScalarType.Bool);
        using var scope = DisposeScope.Enter();
        var planes = masks.Dim == 2 ? masks.Unsqueeze(0) : masks;
        var moved = move(planes.To(ScalarType.UInt8), size);
        var result = moved.To(ScalarType.Bool);
        return scope.Keep(masks.Dim == 2 ? result.Squeeze(0) : result);
    }

    /// <summary>Releases the image and the masks.</summary>
    public void Dispose()
    {
        Image.Dispose();
        EvidenceMask?.Dispose();
        ConceptMasks?.Dispose();
    }
}
