using Ocular.Torch;
using Ocular.Vision.Interop;

namespace Ocular.Vision.Tests.Interop;

public class RasterTests
{
    [Fact]
    public void FillsAnAxisAlignedSquareExactlyWithoutAntialiasing()
    {
        using var map = Tensor.Zeros([8, 8], ScalarType.UInt8);
        Raster.FillPolygon(map, [(2, 1), (5, 1), (5, 4), (2, 4)], [7]);
        var pixels = map.ToArray<byte>();
        // Pixel centres are at integer coordinates; the closed square covers columns 2–5 and rows 1–4.
        for (var y = 0; y < 8; y++)
        for (var x = 0; x < 8; x++)
            Assert.Equal(x is >= 2 and <= 5 && y is >= 1 and <= 4 ? 7 : 0, pixels[y * 8 + x]);
    }

    [Fact]
    public void DrawsColouredCirclesAndRingsIntoHwcImages()
    {
        using var image = Tensor.Zeros([21, 21, 3], ScalarType.UInt8);
        Raster.Circle(image, 10, 10, 8, null, [10, 20, 30]);
        using var centre = image[10, 10];
        Assert.Equal([10, 20, 30], centre.ToArray<byte>());
        using var ring = Tensor.Zeros([21, 21], ScalarType.UInt8);
        Raster.Circle(ring, 10, 10, 7, 3, [1]);
        using var hole = ring[10, 10];
        using var onRing = ring[10, 17];
        Assert.Equal((0, 1), (hole.Item<byte>(), onRing.Item<byte>()));
    }

    [Fact]
    public void RefusesTensorsItCannotDrawInto()
    {
        using var floats = Tensor.Zeros(8, 8);
        var e = Assert.Throws<TorchException>(() => Raster.Circle(floats, 4, 4, 2, null, [1]));
        Assert.Contains("contiguous CPU uint8", e.Message);
        using var wide = Tensor.Zeros([4, 4, 5], ScalarType.UInt8);
        Assert.Throws<TorchException>(() => Raster.FillPolygon(wide, [(0, 0), (3, 0), (3, 3)], [1]));
    }
}
