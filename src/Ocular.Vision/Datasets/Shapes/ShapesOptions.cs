namespace Ocular.Vision.Datasets.Shapes;

/// <summary>Which of the two independent image streams of a Shapes data set.</summary>
public enum ShapesSplit
{
    /// <summary>The training images.</summary>
    Train,

    /// <summary>The test images (a different seed stream: no image is shared with <see cref="Train"/>).</summary>
    Test,
}

/// <summary>The parameters of a <see cref="ShapesDataset"/>.</summary>
public sealed record ShapesOptions
{
    /// <summary>The number of images.</summary>
    public int Count { get; init; } = 10_000;

    /// <summary>The number of classes, 2–8: the first <c>Classes</c> members of <see cref="ShapeKind"/>.</summary>
    public int Classes { get; init; } = 6;

    /// <summary>The side of the square images, in pixels (at least 32).</summary>
    public int ImageSize { get; init; } = 64;

    /// <summary>The fewest distractor objects per image.</summary>
    public int MinDistractors { get; init; } = 2;

    /// <summary>The most distractor objects per image (at most 6).</summary>
    public int MaxDistractors { get; init; } = 3;

    /// <summary>The standard deviation of the per-pixel Gaussian noise, in 0–255 units.</summary>
    public double NoiseStd { get; init; } = 8;

    /// <summary>The seed every image derives from.</summary>
    public ulong Seed { get; init; }

    /// <summary>The split (each split is its own seed stream).</summary>
    public ShapesSplit Split { get; init; } = ShapesSplit.Train;

    internal void Validate()
    {
        if (Count < 0) throw new ArgumentOutOfRangeException(nameof(Count), Count, "the number of images cannot be negative");
        if (Classes is < 2 or > 8) throw new ArgumentOutOfRangeException(nameof(Classes), Classes, "Shapes has 2 to 8 classes");
        if (ImageSize < 32) throw new ArgumentOutOfRangeException(nameof(ImageSize), ImageSize, "Shapes images are at least 32 pixels wide");
        if (MinDistractors < 0 || MaxDistractors > 6 || MinDistractors > MaxDistractors)
            throw new ArgumentOutOfRangeException(nameof(MaxDistractors), $"distractors must satisfy 0 <= MinDistractors ({MinDistractors}) <= MaxDistractors ({MaxDistractors}) <= 6");
        if (NoiseStd < 0 || double.IsNaN(NoiseStd)) throw new ArgumentOutOfRangeException(nameof(NoiseStd), NoiseStd, "the noise level cannot be negative");
    }
}
