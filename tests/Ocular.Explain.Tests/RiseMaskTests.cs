using Ocular.Explain.Methods;
using Ocular.Torch;

namespace Ocular.Explain.Tests;

/// <summary>
/// RISE's masks: the seeded draws equal PyTorch's (same libtorch generator), and the upsampling equals
/// scikit-image's resize(order=1, mode="reflect") as make_explain.py computes it with scipy.ndimage.zoom
/// (tolerance 1e-6: float32 here, float64 there).
/// </summary>
public class RiseMaskTests
{
    [Fact]
    public void DrawsTheGridsAndOffsetsPyTorchDraws()
    {
        using var f = new ExplainFixture();
        using var masks = RiseMasks.Draw(256, 7, 0.5, 32, 32, seed: 11);
        Assert.True(f["rise.grids"].Equal(masks.Grids));
        Assert.True(f["rise.rows"].Equal(masks.RowShifts));
        Assert.True(f["rise.cols"].Equal(masks.ColumnShifts));
        using var first = masks.Batch(0, 16);
        MapAssert.Close(f["rise.masks16"], first, 1e-6, "masks 0..15");
    }

    [Fact]
    public void NonSquareMasksMatchScikitImageOnBothAxes()
    {
        using var f = new ExplainFixture();
        using var masks = RiseMasks.Draw(12, 4, 0.3, 20, 27, seed: 5);
        using var all = masks.Batch(0, 12);
        MapAssert.Close(f["rise.masks_20x27"], all, 1e-6, "20×27 masks");
        // Any sub-range gives the same masks.
        using var middle = masks.Batch(5, 4);
        using var slice = all.Narrow(0, 5, 4);
        Assert.True(slice.Equal(middle));
    }

    [Fact]
    public void ResizeMatrixRowsAreLinearWeightsThatSumToOne()
    {
        using var r = RiseMasks.ResizeMatrix(7, 40);
        Assert.Equal(new long[] { 40, 7 }, r.Shape);
        using var sums = r.Sum([1]);
        Assert.All(sums.ToArray<float>(), s => Assert.Equal(1f, s, 5));
        // Output 0 samples at (0.5)·7/40 − 0.5 = −0.4125, mirrored to 0.4125: 0.5875·g0 + 0.4125·g1.
        var row0 = r.Select(0, 0).ToArray<float>();
        Assert.Equal(0.5875f, row0[0], 5);
        Assert.Equal(0.4125f, row0[1], 5);
    }
}
