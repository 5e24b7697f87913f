using Ocular.Vision.Datasets;

namespace Ocular.Vision.Tests.Datasets;

public class ImageListDatasetTests
{
    [Fact]
    public void ReadsRelativePathsAndIntegerLabels()
    {
        using var dir = new TempDirectory();
        RawImage.WriteFilled(dir.File("images/n01/a.JPEG"), 7);
        RawImage.WriteFilled(dir.File("images/n02/with space.JPEG"), 9);
        var list = dir.File("train.txt");
        System.IO.File.WriteAllText(list, "n01/a.JPEG 0\n\nn02/with space.JPEG\t2\n");
        var data = new ImageListDataset(Path.Combine(dir.Path, "images"), list, RawImage.Load);
        Assert.Equal(2, data.Count);
        Assert.Equal(["0", "1", "2"], data.ClassNames);
        using var sample = data.Get(1);
        Assert.Equal(2, sample.Label);
        Assert.Equal(9, sample.Image.ToArray<byte>()[0]);
        Assert.EndsWith("n02/with space.JPEG", sample.Path);
    }

    [Fact]
    public void ClassNamesBoundTheLabels()
    {
        using var dir = new TempDirectory();
        var list = dir.File("list.txt");
        System.IO.File.WriteAllText(list, "a.png 0\nb.png 2\n");
        var e = Assert.Throws<DatasetException>(() => new ImageListDataset(dir.Path, list, RawImage.Load, ["cat", "dog"]));
        Assert.Contains("line 2", e.Message);
        Assert.Contains("label 2 is out of range for 2 classes", e.Message);
        var named = new ImageListDataset(dir.Path, list, RawImage.Load, ["cat", "dog", "fox"]);
        Assert.Equal(["cat", "dog", "fox"], named.ClassNames);
    }

    [Theory]
    [InlineData("a.png\n", "expected 'relative/path label'")]
    [InlineData("a.png x\n", "'x' is not a non-negative integer")]
    [InlineData("a.png -1\n", "'-1' is not a non-negative integer")]
    [InlineData("\n\n", "names no image")]
    public void MalformedListsAreErrors(string text, string expected)
    {
        using var dir = new TempDirectory();
        var list = dir.File("list.txt");
        System.IO.File.WriteAllText(list, text);
        var e = Assert.Throws<DatasetException>(() => new ImageListDataset(dir.Path, list, RawImage.Load));
        Assert.Contains(expected, e.Message);
        Assert.Contains(list, e.Message);
    }

    [Fact]
    public void AMissingListedFileFailsWhenRead()
    {
        using var dir = new TempDirectory();
        var list = dir.File("list.txt");
        System.IO.File.WriteAllText(list, "gone.png 0\n");
        var data = new ImageListDataset(dir.Path, list, RawImage.Load, numClasses: 3);
        Assert.Equal(3, data.ClassNames.Count);
        var e = Assert.Throws<BadFileException>(() => data.Get(0));
        Assert.Equal(Path.Combine(dir.Path, "gone.png"), e.Path);
    }
}
