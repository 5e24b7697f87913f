using Ocular.Torch;
using Ocular.Vision.Datasets;

namespace Ocular.Vision.Data;

/// <summary>
/// A batch of collated samples (PyTorch's <c>default_collate</c>). The batch owns its tensors and the
/// consumer disposes it (<c>using var batch</c>); they belong to no <see cref="DisposeScope"/>.
/// </summary>
public sealed class Batch : IDisposable
{
    private readonly IReadOnlyList<Tensor>? _raggedConcepts;
    private readonly IReadOnlyList<IReadOnlyList<string>> _sampleConceptNames;

    private Batch(Tensor images, Tensor labels, Tensor? evidenceMasks, Tensor? conceptMasks, IReadOnlyList<string> conceptNames,
        IReadOnlyList<int> indices, IReadOnlyList<string?> paths, IReadOnlyList<Tensor>? raggedConcepts, IReadOnlyList<IReadOnlyList<string>> sampleConceptNames)
    {
        _raggedConcepts = raggedConcepts;
        _sampleConceptNames = sampleConceptNames;
        Images = images;
        Labels = labels;
        EvidenceMasks = evidenceMasks;
        ConceptMasks = conceptMasks;
        ConceptNames = conceptNames;
        Indices = indices;
        Paths = paths;
        Interlocked.Increment(ref _live);
    }

    /// <summary>
    /// Float32 <c>[N, C, H, W]</c>. A uint8 image (no transform, or one that keeps uint8) is scaled to [0, 1]
    /// as <c>ToTensor</c> does; a floating-point image is stacked as the transform left it.
    /// </summary>
    public Tensor Images { get; }

    /// <summary>Int64 <c>[N]</c>.</summary>
    public Tensor Labels { get; }

    /// <summary>Bool <c>[N, H, W]</c> when every sample has an evidence mask, else null.</summary>
    public Tensor? EvidenceMasks { get; }

    /// <summary>Bool <c>[N, K, H, W]</c> when every sample has the same concept masks, else null.</summary>
    public Tensor? ConceptMasks { get; }

    /// <summary>The names of the <see cref="ConceptMasks"/> (empty when there are none).</summary>
    public IReadOnlyList<string> ConceptNames { get; }

    /// <summary>
    /// The concept masks of sample <paramref name="index"/> (bool <c>[K, H, W]</c>, a new tensor the caller owns; <c>K = 0</c>
    /// when the sample has none) and their names. Unlike <see cref="ConceptMasks"/> this works when the samples' concepts
    /// differ, as in COCO and Visual Genome, where each image has its own objects.
    /// </summary>
    public (Tensor Masks, IReadOnlyList<string> Names) SampleConcepts(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"the batch has {Count} samples");
        if (ConceptMasks is not null) return (ConceptMasks.Select(0, index), ConceptNames);
        if (_raggedConcepts is not null) return (_raggedConcepts[index].Alias(), _sampleConceptNames[index]);
        return (Tensor.Zeros([0, Images.Size(2), Images.Size(3)], ScalarType.Bool), []);
    }

    /// <summary>The data-set index of each sample.</summary>
    public IReadOnlyList<int> Indices { get; }

    /// <summary>The file of each sample (null for in-memory or generated data).</summary>
    public IReadOnlyList<string?> Paths { get; }

    /// <summary>The number of samples.</summary>
    public int Count => Indices.Count;

    private static int _live;
    private int _disposed;

    /// <summary>The batches created and not yet disposed in this process (for leak tests).</summary>
    internal static int Live => Volatile.Read(ref _live);

    /// <summary>Releases the tensors.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        Interlocked.Decrement(ref _live);
        Images.Dispose();
        Labels.Dispose();
        EvidenceMasks?.Dispose();
        ConceptMasks?.Dispose();
        if (_raggedConcepts is not null) foreach (var m in _raggedConcepts) m.Dispose();
    }

    /// <summary>Collates <paramref name="samples"/> (at least one) into a new batch; the samples are not consumed.</summary>
    /// <exception cref="InvalidOperationException">The images differ in shape or type.</exception>
    public static Batch Collate(IReadOnlyList<Sample> samples)
    {
        if (samples.Count == 0) throw new ArgumentException("a batch needs at least one sample", nameof(samples));
        var first = samples[0];
        foreach (var s in samples)
        {
            if (!s.Image.Shape.SequenceEqual(first.Image.Shape) || s.Image.DType != first.Image.DType)
                throw new InvalidOperationException(
                    $"cannot batch sample {s.Index} ({Tensor.ShapeString(s.Image.Shape)} {s.Image.DType.TorchName()}) with sample {first.Index} " +
                    $"({Tensor.ShapeString(first.Image.Shape)} {first.Image.DType.TorchName()}): use a transform that gives every image the same size and type");
        }

        Tensor images;
        using (var stacked = Tensor.Stack(samples.Select(s => s.Image).ToList()))
        {
            if (stacked.DType == ScalarType.UInt8)
            {
                using var asFloat = stacked.To(ScalarType.Float32);
                images = asFloat.Div(255.0);
            }
            else
            {
                images = stacked.To(ScalarType.Float32);
            }
        }
        var labels = Tensor.FromArray(samples.Select(s => s.Label).ToArray(), samples.Count);
        var evidence = samples.All(s => s.EvidenceMask is not null) ? Tensor.Stack(samples.Select(s => s.EvidenceMask!).ToList()) : null;
        var sameConcepts = samples.All(s => s.ConceptMasks is not null && s.ConceptNames.SequenceEqual(first.ConceptNames));
        var concepts = sameConcepts ? Tensor.Stack(samples.Select(s => s.ConceptMasks!).ToList()) : null;
        // Samples whose concepts differ (each COCO or VG image has its own objects) keep their masks one by one.
        var ragged = !sameConcepts && samples.Any(s => s.ConceptMasks is not null)
            ? samples.Select(s => s.ConceptMasks?.Clone() ?? Tensor.Zeros([0, s.Image.Size(1), s.Image.Size(2)], ScalarType.Bool)).ToList()
            : null;
        return new Batch(images, labels, evidence, concepts, sameConcepts ? first.ConceptNames : [],
            samples.Select(s => s.Index).ToArray(), samples.Select(s => s.Path).ToArray(), ragged, samples.Select(s => s.ConceptNames).ToArray());
    }

    /// <summary>Takes the batch's tensors out of the current <see cref="DisposeScope"/> (the consumer owns them).</summary>
    internal Batch DetachFromScope()
    {
        DisposeScope.Detach(Images);
        DisposeScope.Detach(Labels);
        if (EvidenceMasks is not null) DisposeScope.Detach(EvidenceMasks);
        if (ConceptMasks is not null) DisposeScope.Detach(ConceptMasks);
        if (_raggedConcepts is not null) foreach (var m in _raggedConcepts) DisposeScope.Detach(m);
        return this;
    }
}
