namespace Ocular.Vision.Datasets.Coco;

/// <summary>
/// A binary mask as COCO's run-length encoding: <see cref="Counts"/> alternate runs of 0s and 1s (starting with 0s,
/// so a mask that starts with a 1 has a first count of 0) over the <see cref="Height"/>·<see cref="Width"/> pixels in
/// column-major order (pixel <c>(y, x)</c> is position <c>x·Height + y</c>), as pycocotools' <c>maskApi.c</c> stores it.
/// </summary>
public sealed class CocoRle
{
    /// <summary>Creates the encoding; the counts must add up to exactly <c>height·width</c>.</summary>
    /// <exception cref="ArgumentException">The counts cover fewer or more pixels than the mask has.</exception>
    public CocoRle(int height, int width, uint[] counts)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        ArgumentNullException.ThrowIfNull(counts);
        var total = 0UL;
        foreach (var c in counts) total += c;
        if (total != (ulong)height * (ulong)width)
            throw new ArgumentException($"the run lengths cover {total} pixels, but a {height}×{width} mask has {(ulong)height * (ulong)width}", nameof(counts));
        Height = height;
        Width = width;
        _counts = counts;
    }

    private readonly uint[] _counts;

    /// <summary>The mask's height.</summary>
    public int Height { get; }

    /// <summary>The mask's width.</summary>
    public int Width { get; }

    /// <summary>The run lengths, 0s first, column-major.</summary>
    public IReadOnlyList<uint> Counts => _counts;

    /// <summary>The number of pixels set (the sum of the odd-numbered runs, maskApi's <c>rleArea</c>).</summary>
    public long Area
    {
        get
        {
            var area = 0L;
            for (var j = 1; j < _counts.Length; j += 2) area += _counts[j];
            return area;
        }
    }

    /// <summary>
    /// Sets the mask's pixels in <paramref name="columnMajor"/> (<c>Width·Height</c> values, <c>[x, y]</c>) to true, leaving
    /// the others as they are — so decoding several encodings into one buffer is their union (maskApi's <c>rleMerge</c>
    /// without <c>intersect</c>, followed by <c>rleDecode</c>).
    /// </summary>
    public void DecodeInto(Span<bool> columnMajor)
    {
        if (columnMajor.Length != Height * Width)
            throw new ArgumentException($"a {Height}×{Width} mask needs {Height * Width} values, got {columnMajor.Length}", nameof(columnMajor));
        var position = 0;
        for (var j = 0; j < _counts.Length; j++)
        {
            var run = (int)_counts[j];
            if ((j & 1) == 1) columnMajor.Slice(position, run).Fill(true);
            position += run;
        }
    }
}
