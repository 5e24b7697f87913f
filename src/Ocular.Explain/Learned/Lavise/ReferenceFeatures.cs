using Ocular.Torch;

namespace Ocular.Explain.Learned.Lavise;

/// <summary>
/// The reference images' feature maps F <c>[d, h, w]</c>, kept in memory by <see cref="FilterStatistics.Compute"/> so
/// that <see cref="FilterExplainer"/> does not run the network over its top images a second time — and not once per
/// masking method. Kept up to a byte budget: images past it are not kept, and the explainer recomputes their features
/// (the same values: the reference transform is deterministic).
/// </summary>
/// <remarks>
/// ResNet-18's layer4 at 224² is 100 KB per image (200 images: 20 MB); ResNet-50's is 400 KB (COCO val2017's 5,000 images:
/// 2 GB, past the default budget — the first 2,600 are kept).
/// </remarks>
public sealed class ReferenceFeatures : IDisposable
{
    /// <summary>The default budget: 1 GiB.</summary>
    public const long DefaultBudgetBytes = 1L << 30;

    private readonly Dictionary<int, Tensor> _features = [];

    /// <summary>Keeps feature maps up to <paramref name="budgetBytes"/> bytes (0 keeps none).</summary>
    public ReferenceFeatures(long budgetBytes = DefaultBudgetBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(budgetBytes);
        BudgetBytes = budgetBytes;
    }

    /// <summary>The byte budget.</summary>
    public long BudgetBytes { get; }

    /// <summary>The bytes kept.</summary>
    public long Bytes { get; private set; }

    /// <summary>How many images' features are kept.</summary>
    public int Count => _features.Count;

    /// <summary>True when some image's features did not fit the budget.</summary>
    public bool Overflowed { get; private set; }

    /// <summary>Keeps a copy of <paramref name="features"/> (<c>[d, h, w]</c>) of reference image <paramref name="image"/>, if it fits.</summary>
    internal void Keep(int image, Tensor features)
    {
        var size = features.NumEl * features.DType.ElementSize();
        if (Bytes + size > BudgetBytes)
        {
            Overflowed = true;
            return;
        }
        var copy = DisposeScope.Detach(features.Clone());
        if (_features.Remove(image, out var old))
        {
            Bytes -= old.NumEl * old.DType.ElementSize();
            old.Dispose();
        }
        _features[image] = copy;
        Bytes += size;
    }

    /// <summary>The features of <paramref name="images"/> stacked <c>[B, d, h, w]</c>, or null when any of them is not kept.</summary>
    internal Tensor? TryStack(IReadOnlyList<int> images)
    {
        var kept = new Tensor[images.Count];
        for (var b = 0; b < images.Count; b++)
            if (!_features.TryGetValue(images[b], out kept[b]!)) return null;
        return Tensor.Stack(kept);
    }

    /// <summary>Frees the kept features.</summary>
    public void Dispose()
    {
        foreach (var f in _features.Values) f.Dispose();
        _features.Clear();
        Bytes = 0;
    }
}
