using Ocular.Vision.Datasets;

namespace Ocular.Vision.Tests.Datasets;

public class ImageFolderDatasetTests
{
    // The tree and the expected order were checked against torchvision 0.14's find_classes / make_dataset.
    private static TempDirectory MakeTree()
    {
        var dir = new TempDirectory();
        string[] files =
        [
            "train/B/2.png", "train/B/10.png", "train/B/1.PNG", "train/B/readme.txt", "train/a/z.jpg", "train/a/A.jpeg",
            "train/a/sub/x.png", "train/a/sub2/y.png", "train/a/sub.png", "train/a b/1.png", "train/_x/q.webp",
            "train/Z10/1.bmp", "train/Z2/1.tif", "train/a.b/c.ppm", "train/.hidden/h.png",
        ];
        for (var i = 0; i < files.Length; i++) RawImage.WriteFilled(dir.File(files[i]), (byte)i);
        return dir;
    }

    [Fact]
    public void ClassesAndFilesAreSortedAsTorchvisionSortsThem()
    {
        using var dir = MakeTree();
        var data = new ImageFolderDataset(dir.Path, RawImage.Load, split: "train");
        Assert.Equal([".hidden", "B", "Z10", "Z2", "_x", "a", "a b", "a.b"], data.ClassNames);
        var expected = new (string, int)[]
        {
            (".hidden/h.png", 0), ("B/1.PNG", 1), ("B/10.png", 1), ("B/2.png", 1), ("Z10/1.bmp", 2), ("Z2/1.tif", 3),
            ("_x/q.webp", 4), ("a/A.jpeg", 5), ("a/sub.png", 5), ("a/z.jpg", 5), ("a/sub/x.png", 5), ("a/sub2/y.png", 5),
            ("a b/1.png", 6), ("a.b/c.ppm", 7),
        };
        Assert.Equal(expected, data.Samples.Select(s => (Path.GetRelativePath(data.Directory, s.Path), s.Label)));
    }

    [Fact]
    public void GetReadsTheImageThroughTheLoader()
    {
        using var dir = MakeTree();
        var data = new ImageFolderDataset(dir.Path, RawImage.Load, split: "train");
        using var sample = data.Get(2); // B/10.png, written as file 1
        Assert.Equal(1, sample.Label);
        Assert.Equal([3L, 4, 4], sample.Image.Shape);
        Assert.All(sample.Image.ToArray<byte>(), b => Assert.Equal(1, b));
        Assert.EndsWith("B/10.png", sample.Path);
        Assert.Null(sample.EvidenceMask);
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Get(data.Count));
    }

    [Fact]
    public void AllowedExtensionsAreConfigurableAndCaseInsensitive()
    {
        using var dir = new TempDirectory();
        RawImage.WriteFilled(dir.File("cat/1.RAW"), 1);
        RawImage.WriteFilled(dir.File("cat/2.png"), 2);
        RawImage.WriteFilled(dir.File("dog/1.raw"), 3);
        var data = new ImageFolderDataset(dir.Path, RawImage.Load, extensions: [".raw"]);
        Assert.Equal(["cat", "dog"], data.ClassNames);
        Assert.Equal(2, data.Count);
    }

    [Fact]
    public void AnEmptyClassFolderIsAnErrorNamingTheClass()
    {
        using var dir = new TempDirectory();
        RawImage.WriteFilled(dir.File("train/cat/1.png"), 1);
        Directory.CreateDirectory(Path.Combine(dir.Path, "train", "dog"));
        System.IO.File.WriteAllText(dir.File("train/dog/notes.txt"), "no images here");
        var e = Assert.Throws<DatasetException>(() => new ImageFolderDataset(dir.Path, RawImage.Load, "train"));
        Assert.Contains("dog", e.Message);
        Assert.EndsWith("dog", e.Path);
    }

    [Fact]
    public void AMissingDirectoryOrNoClassFolderIsAnError()
    {
        using var dir = new TempDirectory();
        var missing = Assert.Throws<DatasetException>(() => new ImageFolderDataset(dir.Path, RawImage.Load, "test"));
        Assert.Contains(Path.Combine(dir.Path, "test"), missing.Message);
        Directory.CreateDirectory(Path.Combine(dir.Path, "test"));
        var empty = Assert.Throws<DatasetException>(() => new ImageFolderDataset(dir.Path, RawImage.Load, "test"));
        Assert.Contains("no class folder", empty.Message);
    }

    [Fact]
    public void ABadFileRaisesBadFileExceptionWithItsPath()
    {
        using var dir = new TempDirectory();
        RawImage.WriteFilled(dir.File("cat/1.png"), 1);
        System.IO.File.WriteAllText(dir.File("cat/2.png"), "not an image");
        var data = new ImageFolderDataset(dir.Path, RawImage.Load);
        var e = Assert.Throws<BadFileException>(() => data.Get(1));
        Assert.Equal(data.Samples[1].Path, e.Path);
        Assert.Equal(1, e.Index);
        Assert.Contains(data.Samples[1].Path, e.Message);
    }

    [Fact]
    public void SymlinkedClassFoldersAndSubfoldersAreFollowedAsTorchvisionDoes()
    {
        using var dir = new TempDirectory();
        RawImage.WriteFilled(dir.File("elsewhere/dogs/1.png"), 1);
        RawImage.WriteFilled(dir.File("elsewhere/more/2.png"), 2);
        RawImage.WriteFilled(dir.File("data/cat/1.png"), 3);
        Directory.CreateSymbolicLink(Path.Combine(dir.Path, "data", "dog"), Path.Combine(dir.Path, "elsewhere", "dogs"));
        Directory.CreateSymbolicLink(Path.Combine(dir.Path, "data", "cat", "sub"), Path.Combine(dir.Path, "elsewhere", "more"));
        var data = new ImageFolderDataset(Path.Combine(dir.Path, "data"), RawImage.Load);
        Assert.Equal(["cat", "dog"], data.ClassNames);
        Assert.Equal(["cat/1.png", "cat/sub/2.png", "dog/1.png"], data.Samples.Select(s => Path.GetRelativePath(data.Directory, s.Path)));
    }
}
