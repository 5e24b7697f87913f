using Ocular.Torch;
using Ocular.Vision.Datasets;

namespace Ocular.Bench.Suites;

/// <summary>
/// The lavise suite's reference data, held in memory: N normalised images (standard normal, <c>[3, S, S]</c>), each with one
/// concept mask — a box, as a COCO annotation's mask after the image's transform — and its concept, one of COCO's 91 label
/// names (<see cref="LaviseSuite.CocoLabelNames"/>). Drawn from a libtorch generator seeded 0 in the order images, box
/// corners, box sizes, concepts; bench/python/lavise.py's <c>concept_images</c> makes the same draws, so both sides see
/// the same data (<see cref="ImagesSum"/>, <see cref="MaskPixels"/> and <see cref="ConceptsSum"/> in the JSON lines).
/// </summary>
internal sealed class LaviseConceptImages : IConceptDataset, IDisposable
{
    private readonly Tensor _images;
    private readonly Tensor _masks;
    private readonly int[] _concepts;

    /// <summary>Draws <paramref name="count"/> images of <paramref name="size"/>² with one box of 56–112 px each.</summary>
    public LaviseConceptImages(int count, int size)
    {
        using var generator = new Generator(0);
        _images = Tensor.Randn([count, 3, size, size], generator);
        using var corners = Tensor.RandInt(0, size / 2, [count, 2], generator);
        using var sizes = Tensor.RandInt(size / 4, size / 2 + 1, [count, 2], generator);
        using var concepts = Tensor.RandInt(0, LaviseSuite.CocoLabelNames.Count, [count], generator);
        var c = corners.ToArray<long>();
        var s = sizes.ToArray<long>();
        _concepts = [.. concepts.ToArray<long>().Select(k => (int)k)];
        var masks = new bool[(long)count * size * size];
        for (var i = 0; i < count; i++)
            for (var y = c[2 * i]; y < c[2 * i] + s[2 * i]; y++)
                for (var x = c[2 * i + 1]; x < c[2 * i + 1] + s[2 * i + 1]; x++)
                    masks[((long)i * size + y) * size + x] = true;
        _masks = Tensor.FromArray(masks, count, 1, size, size);
        MaskPixels = masks.LongCount(m => m);
        ConceptsSum = _concepts.Sum();
        using var wide = _images.To(ScalarType.Float64);
        using var sum = wide.Sum();
        ImagesSum = sum.Item<double>();
    }

    /// <inheritdoc/>
    public int Count => _concepts.Length;

    /// <summary>Empty: concept data, not a classifier data set.</summary>
    public IReadOnlyList<string> ClassNames => [];

    /// <inheritdoc/>
    public IReadOnlyList<string> Concepts => LaviseSuite.CocoLabelNames;

    /// <summary>The sum of all image values in float64 (equal on both sides when they drew the same images).</summary>
    public double ImagesSum { get; }

    /// <summary>The pixels inside the boxes, over all images.</summary>
    public long MaskPixels { get; }

    /// <summary>The sum of the concept indices.</summary>
    public long ConceptsSum { get; }

    /// <inheritdoc/>
    public Sample Get(int index) => new(_images.Select(0, index).Clone(), -1, index, conceptMasks: _masks.Select(0, index).Clone(),
        conceptNames: [LaviseSuite.CocoLabelNames[_concepts[index]]]);

    /// <summary>Frees the images and masks.</summary>
    public void Dispose()
    {
        _images.Dispose();
        _masks.Dispose();
    }
}
