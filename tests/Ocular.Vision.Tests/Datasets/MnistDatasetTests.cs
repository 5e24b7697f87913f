using System.Buffers.Binary;
using System.IO.Compression;
using Ocular.Vision.Datasets;

namespace Ocular.Vision.Tests.Datasets;

public class MnistDatasetTests
{
    private static byte[] Idx(int[] dims, byte[] data, int magicDims = -1)
    {
        var header = new byte[4 + 4 * dims.Length];
        header[2] = 0x08;
        header[3] = (byte)(magicDims < 0 ? dims.Length : magicDims);
        for (var d = 0; d < dims.Length; d++) BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * d), dims[d]);
        return [.. header, .. data];
    }

    private static void Write(string path, byte[] bytes, bool gzip)
    {
        if (!gzip) { System.IO.File.WriteAllBytes(path, bytes); return; }
        using var file = System.IO.File.Create(path + ".gz");
        using var zip = new GZipStream(file, CompressionLevel.Fastest);
        zip.Write(bytes);
    }

    private static void WriteSet(TempDirectory dir, string prefix, int count, bool gzip, byte[]? labels = null)
    {
        var pixels = Enumerable.Range(0, count * 28 * 28).Select(i => (byte)(i / (28 * 28) + 1)).ToArray();
        Write(dir.File($"{prefix}-images-idx3-ubyte"), Idx([count, 28, 28], pixels), gzip);
        labels ??= Enumerable.Range(0, count).Select(i => (byte)(i % 10)).ToArray();
        Write(dir.File($"{prefix}-labels-idx1-ubyte"), Idx([labels.Length], labels), gzip);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadsIdxFilesGzippedOrNot(bool gzip)
    {
        using var dir = new TempDirectory();
        WriteSet(dir, "train", 12, gzip);
        WriteSet(dir, "t10k", 3, gzip);
        var train = new MnistDataset(dir.Path);
        var test = new MnistDataset(dir.Path, train: false);
        Assert.Equal((12, 3), (train.Count, test.Count));
        using var sample = train.Get(11);
        Assert.Equal(1, sample.Label);
        Assert.Equal([1L, 28, 28], sample.Image.Shape);
        Assert.All(sample.Image.ToArray<byte>(), b => Assert.Equal(12, b));
        Assert.Equal("1 - one", train.ClassNames[1]);
    }

    [Fact]
    public void BadMagicSizeCountAndLabelAreErrors()
    {
        using var dir = new TempDirectory();
        WriteSet(dir, "t10k", 3, gzip: false);
        var images = dir.File("t10k-images-idx3-ubyte");
        var labels = dir.File("t10k-labels-idx1-ubyte");

        System.IO.File.WriteAllBytes(labels, Idx([2], [0, 1]));
        Assert.Contains("holds 3 images but", Assert.Throws<DatasetException>(() => new MnistDataset(dir.Path, false)).Message);

        System.IO.File.WriteAllBytes(labels, Idx([3], [0, 10, 1]));
        Assert.Contains("label 1 is 10, expected 0–9", Assert.Throws<DatasetException>(() => new MnistDataset(dir.Path, false)).Message);

        System.IO.File.WriteAllBytes(labels, Idx([3], [0, 1, 2], magicDims: 3));
        Assert.Contains("bad magic number 0x00000803", Assert.Throws<DatasetException>(() => new MnistDataset(dir.Path, false)).Message);

        System.IO.File.WriteAllBytes(labels, Idx([3], [0, 1, 2]));
        System.IO.File.WriteAllBytes(images, Idx([3, 28, 28], new byte[100]));
        var size = Assert.Throws<DatasetException>(() => new MnistDataset(dir.Path, false));
        Assert.Contains("holds 100 data bytes, but its header [3, 28, 28] needs 2352", size.Message);
        Assert.Equal(images, size.Path);

        System.IO.File.WriteAllBytes(images, [1, 2, 3, 4, 5]);
        Assert.Contains("bad magic number", Assert.Throws<DatasetException>(() => new MnistDataset(dir.Path, false)).Message);

        System.IO.File.Delete(images);
        Assert.Contains("t10k-images-idx3-ubyte", Assert.Throws<DatasetException>(() => new MnistDataset(dir.Path, false)).Message);
    }

    [Fact]
    public void FashionMnistReadsDebiansPackage()
    {
        // Debian's dataset-fashion-mnist is a test dependency (test.sh and CI install it): when it is missing this
        // test fails with the DatasetException that names the directory, rather than passing without reading anything.
        var train = new FashionMnistDataset();
        var test = new FashionMnistDataset(train: false);
        Assert.Equal(FashionMnistDataset.DefaultDirectory, train.Directory);
        Assert.Equal((60000, 10000), (train.Count, test.Count));
        Assert.Equal("Ankle boot", train.ClassNames[9]);
        // Golden values read with numpy from the same files: labels, and the pixel sums of two images.
        using var first = train.Get(0);
        using var last = train.Get(59999);
        using var testFirst = test.Get(1);
        Assert.Equal((9L, 2L), (first.Label, testFirst.Label));
        using var firstSum = first.Image.Sum();
        using var lastSum = last.Image.Sum();
        Assert.Equal((76247L, 16684L), (firstSum.Item<long>(), lastSum.Item<long>()));
    }

    [Fact]
    public void FashionMnistReadsAGivenDirectoryWithItsOwnClassNames()
    {
        // The reader and the data-set syntax without Debian's package: IDX files in a temporary folder.
        using var dir = new TempDirectory();
        WriteSet(dir, "train", 4, gzip: true);
        WriteSet(dir, "t10k", 2, gzip: false);
        var train = new FashionMnistDataset(dir.Path);
        Assert.Equal((dir.Path, 4), (train.Directory, train.Count));
        Assert.Equal(FashionMnistDataset.DefaultClassNames, train.ClassNames);
        using var sample = train.Get(3);
        Assert.Equal(3L, sample.Label);
        Assert.All(sample.Image.ToArray<byte>(), b => Assert.Equal(4, b));
        var spec = DataSpec.Parse("fashion-mnist:" + dir.Path);
        Assert.Equal(2, spec.Open(DataSplit.Test).Count);
        Assert.Equal("Ankle boot", spec.Open(DataSplit.Train).ClassNames[9]);
    }

    [Fact]
    public void FashionMnistWithoutADirectoryReadsDebiansOrSaysWhereItLooked()
    {
        // The default-directory rule, checkable with or without the package: it either opens DefaultDirectory or fails
        // naming it (the message a user without the package sees).
        var error = Record.Exception(() => new FashionMnistDataset(train: false));
        if (System.IO.Directory.Exists(FashionMnistDataset.DefaultDirectory))
        {
            Assert.Null(error);
            Assert.Equal(FashionMnistDataset.DefaultDirectory, new FashionMnistDataset(train: false).Directory);
        }
        else
        {
            var e = Assert.IsType<DatasetException>(error);
            Assert.Contains(FashionMnistDataset.DefaultDirectory, e.Message);
        }
    }
}
