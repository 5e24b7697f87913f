using Ocular.Torch;
using Ocular.Vision.Datasets;

namespace Ocular.Vision.Tests.Datasets;

public class Stl10DatasetTests
{
    private const int Side = 96;

    // Image r's pixel (c, y, x) is (r + 3c + 5y + 7x) mod 256, written column-major per channel as the STL-10 files are.
    private static byte Pixel(int r, int c, int y, int x) => (byte)((r + 3 * c + 5 * y + 7 * x) % 256);

    private static void WriteImages(string path, int count)
    {
        var bytes = new byte[count * 3 * Side * Side];
        var k = 0;
        for (var r = 0; r < count; r++)
        for (var c = 0; c < 3; c++)
        for (var x = 0; x < Side; x++)
        for (var y = 0; y < Side; y++)
            bytes[k++] = Pixel(r, c, y, x);
        System.IO.File.WriteAllBytes(path, bytes);
    }

    [Fact]
    public void ReadsColumnMajorImagesAndShiftsLabelsToZero()
    {
        using var dir = new TempDirectory();
        WriteImages(dir.File("stl10_binary/train_X.bin"), 3);
        System.IO.File.WriteAllBytes(dir.File("stl10_binary/train_y.bin"), [1, 10, 4]);
        var data = new Stl10Dataset(dir.Path);
        Assert.Equal(3, data.Count);
        Assert.Equal(Stl10Dataset.DefaultClassNames, data.ClassNames);
        using var sample = data.Get(2);
        Assert.Equal(3, sample.Label);
        Assert.Equal([3L, Side, Side], sample.Image.Shape);
        using var pixel = sample.Image[1, 10, 20];
        Assert.Equal(Pixel(2, 1, 10, 20), pixel.Item<byte>());
        using var nine = data.Get(1);
        Assert.Equal(9, nine.Label);
    }

    [Fact]
    public void UnlabelledImagesHaveLabelMinusOne()
    {
        using var dir = new TempDirectory();
        WriteImages(dir.File("unlabeled_X.bin"), 2);
        var data = new Stl10Dataset(dir.Path, Stl10Split.Unlabeled);
        using var sample = data.Get(1);
        Assert.Equal(-1, sample.Label);
    }

    [Fact]
    public void LabelAndCountErrorsNameTheFile()
    {
        using var dir = new TempDirectory();
        WriteImages(dir.File("test_X.bin"), 2);
        System.IO.File.WriteAllBytes(dir.File("test_y.bin"), [1, 0]);
        var label = Assert.Throws<DatasetException>(() => new Stl10Dataset(dir.Path, Stl10Split.Test));
        Assert.Contains("test_y.bin' label 1 is 0, expected 1–10", label.Message);
        System.IO.File.WriteAllBytes(dir.File("test_y.bin"), [1, 2, 3]);
        var count = Assert.Throws<DatasetException>(() => new Stl10Dataset(dir.Path, Stl10Split.Test));
        Assert.Contains("holds 3 labels but", count.Message);
        Assert.Contains("holds 2 images", count.Message);
        System.IO.File.WriteAllBytes(dir.File("test_X.bin"), new byte[100]);
        var size = Assert.Throws<DatasetException>(() => new Stl10Dataset(dir.Path, Stl10Split.Test));
        Assert.Contains("test_X.bin' has 100 bytes", size.Message);
    }
}
