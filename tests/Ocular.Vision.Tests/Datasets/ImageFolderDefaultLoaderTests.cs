using Ocular.Torch;
using Ocular.Vision.Datasets;
using Ocular.Vision.Images;

namespace Ocular.Vision.Tests.Datasets;

public class ImageFolderDefaultLoaderTests
{
    [Fact]
    public void DecodesRealImageFilesWithOpenCvByDefault()
    {
        using var dir = new TempDirectory();
        using var generator = new Generator(5);
        using var pixels = Tensor.RandInt(0, 256, [3, 6, 9], generator, ScalarType.UInt8);
        ImageIO.WritePng(dir.File("train/cat/a.png"), pixels);
        ImageIO.WritePng(dir.File("train/dog/b.png"), pixels);
        File.WriteAllText(dir.File("list.txt"), "train/dog/b.png 1\n");

        var folder = new ImageFolderDataset(dir.Path, split: "train");
        Assert.Equal(["cat", "dog"], folder.ClassNames);
        using (var sample = folder.Get(1))
        {
            Assert.Equal(1, sample.Label);
            Assert.True(sample.Image.Equal(pixels));
        }

        var list = new ImageListDataset(dir.Path, dir.File("list.txt"), numClasses: 2);
        using var listed = list.Get(0);
        Assert.True(listed.Image.Equal(pixels));
    }
}
