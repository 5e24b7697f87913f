using Ocular.Vision.Data;

namespace Ocular.Vision.Datasets;

/// <summary>
/// A validation split carved from a training split for model selection (lfi-cam.md §7.13: the original scripts select
/// the best epoch on the test set). The split depends only on the data set's size, the fraction and a fixed seed — not
/// on a run's seed — so that runs with different seeds or hyper-parameters are selected on the same images.
/// </summary>
public static class ValidationSplit
{
    /// <summary>The fraction held out by default.</summary>
    public const double DefaultFraction = 0.1;

    /// <summary>The fixed seed of the shuffle.</summary>
    public const ulong Seed = 0x56414C4944UL; // "VALID"

    /// <summary>
    /// Splits <paramref name="dataset"/> into (training, validation) by a seeded shuffle: round(fraction·n) images (at least
    /// one) are held out, both parts keep their images in the original order.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The fraction is not in (0, 1).</exception>
    /// <exception cref="DatasetException">The data set is too small to leave images on both sides.</exception>
    public static (IImageDataset Train, IImageDataset Validation) Carve(IImageDataset dataset, double fraction = DefaultFraction)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (!(fraction > 0 && fraction < 1)) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "the validation fraction must be in (0, 1)");
        var n = dataset.Count;
        var held = Math.Max(1, (int)Math.Round(fraction * n));
        if (n < 2 || held >= n)
            throw new DatasetException($"the training split has {n} image(s): too few to hold out a validation split of {fraction:P0} (use --select-on-test)", "");
        // Fisher–Yates with SplitMix64 draws: the same split on every machine and .NET version.
        var order = Enumerable.Range(0, n).ToArray();
        for (var i = n - 1; i > 0; i--)
        {
            var j = (int)(Seeds.Derive(Seed, (ulong)n, (ulong)i) % (ulong)(i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }
        var validation = order.Take(held).Order().ToArray();
        var train = order.Skip(held).Order().ToArray();
        return (new DatasetSubset(dataset, train), new DatasetSubset(dataset, validation));
    }
}

/// <summary>The images of a data set at the given indices, in that order (each sample keeps the inner data set's index).</summary>
public sealed class DatasetSubset(IImageDataset inner, IReadOnlyList<int> indices) : IImageDataset
{
    /// <summary>The inner data set's indices.</summary>
    public IReadOnlyList<int> Indices { get; } = indices;

    /// <inheritdoc/>
    public int Count => Indices.Count;

    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames => inner.ClassNames;

    /// <inheritdoc/>
    public Sample Get(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"the subset holds {Count} images; index {index} is out of range");
        return inner.Get(Indices[index]);
    }
}
