namespace Ocular.Evaluation;

/// <summary>
/// One method's metrics on one chunk of images, as <see cref="MethodAccumulator"/> folds them: the per-image value of
/// every column the chunk computes (the sanity check's column is filled at the end), the per-image deletion and insertion
/// curves (summed image by image when folded, so that the mean curve does not depend on who computed which chunk) and
/// ROAD's counts of images keeping their prediction per percentage.
/// </summary>
internal sealed class MethodChunk
{
    /// <summary>Column key → one value per image of the chunk.</summary>
    public Dictionary<string, double[]> Values { get; } = [];

    /// <summary>The deletion curve of every image of the chunk, or null.</summary>
    public float[][]? Deletion { get; set; }

    /// <summary>The insertion curve of every image of the chunk, or null.</summary>
    public float[][]? Insertion { get; set; }

    /// <summary>ROAD MoRF: per percentage, the images of the chunk keeping the clean top-1; or null.</summary>
    public long[]? RoadMorfKept { get; set; }

    /// <summary>ROAD LeRF, likewise; or null.</summary>
    public long[]? RoadLerfKept { get; set; }
}
