namespace Ocular.Vision.Datasets;

/// <summary>
/// The first <paramref name="count"/> images of a data set, in order (the evaluation's <c>--limit</c>, L-CAM's
/// <c>--train-images</c>); all of them when the data set is smaller.
/// </summary>
/// <param name="inner">The data set.</param>
/// <param name="count">How many images to keep.</param>
public sealed class FirstImages(IImageDataset inner, int count) : IImageDataset
{
    /// <inheritdoc/>
    public int Count { get; } = Math.Min(count, inner.Count);

    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames => inner.ClassNames;

    /// <inheritdoc/>
    public Sample Get(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"the subset covers the first {Count} images; index {index} is out of range");
        return inner.Get(index);
    }
}
