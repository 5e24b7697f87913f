using Ocular.Torch;
using Ocular.Vision.Images;
using Ocular.Vision.Training;

namespace Ocular.Vision.Tests.Training;

public class ConfusionMatrixImageTests
{
    [Fact]
    public void CellsAreColouredByTheRowShareAndLabelled()
    {
        long[,] counts = { { 8, 2, 0 }, { 0, 10, 0 }, { 5, 0, 5 } };
        using var image = ConfusionMatrixImage.Render(counts, ["circle", "square", "triangle"]);
        Assert.Equal(3, image.Shape[0]);
        Assert.Equal(ScalarType.UInt8, image.DType);
        var (h, w) = (image.Shape[1], image.Shape[2]);
        Assert.True(w > 3 * 44 && h > 3 * 44);

        // The matrix is the bottom-right square of 3 × 44 px, 10 px from the edges: cell (1, 1) has share 1, cell (1, 0) share 0.
        long top = h - 10 - 3 * 44, left = w - 10 - 3 * 44;
        using var viridis = ColorMaps.Apply(Tensor.FromArray(new float[] { 0f, 1f }, 1, 2), ColorMap.Viridis);
        var low = viridis.Select(2, 0).ToArray<byte>();
        var high = viridis.Select(2, 1).ToArray<byte>();
        byte[] Pixel(long y, long x) => image.Select(1, y).Select(1, x).ToArray<byte>();
        Assert.Equal(high, Pixel(top + 44 + 2, left + 44 + 2));   // a corner of the cell, away from its text
        Assert.Equal(low, Pixel(top + 44 + 2, left + 2));
        Assert.Equal(low, Pixel(top + 2 * 44 + 2, left + 44 + 2));

        // Labels are drawn on the white margin: some pixels left of the matrix are dark.
        using var margin = image.Narrow(1, top, 3 * 44).Narrow(2, 0, left - 4);
        Assert.True(margin.Lt(100).Any().Item<bool>());
    }

    [Fact]
    public void TheCsvHasAHeaderAndOneRowPerTrueClass()
    {
        using var dir = new TempDirectory();
        var result = new ClassifierEvaluationResult(20, 0.5, 90, 100, new long[,] { { 9, 1 }, { 1, 9 } }, ["a,b", "c"]);
        result.WriteConfusionCsv(dir.File("c.csv"));
        Assert.Equal(["true\\predicted,\"a,b\",c", "\"a,b\",9,1", "c,1,9"], File.ReadAllLines(dir.File("c.csv")));
        Assert.Equal(90.0, result.ClassAccuracy(0));
        Assert.Equal(10, result.Support(1));
    }
}
