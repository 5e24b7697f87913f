using Ocular.Vision.Datasets;

namespace Ocular.Evaluation;

/// <summary>The first <c>count</c> images of a data set (the evaluation's <c>--limit</c>), in order.</summary>
internal sealed class FirstImages(IImageDataset inner, int count) : IImageDataset
{
    public int Count { get; } = Math.Min(count, inner.Count);

    public IReadOnlyList<string> ClassNames => inner.ClassNames;

    public Sample Get(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"the evaluation covers {Count} images; index {index} is out of range");
        return inner.Get(index);
    }
}
