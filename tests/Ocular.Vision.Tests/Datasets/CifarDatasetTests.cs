using Ocular.Vision.Datasets;

namespace Ocular.Vision.Tests.Datasets;

public class CifarDatasetTests
{
    // A record: the label bytes, then 3072 pixel bytes whose value encodes (record, channel): 10·record + channel.
    private static byte[] Records(params byte[][] labels)
    {
        var output = new List<byte>();
        for (var r = 0; r < labels.Length; r++)
        {
            output.AddRange(labels[r]);
            for (var c = 0; c < 3; c++) output.AddRange(Enumerable.Repeat((byte)(10 * r + c), 1024));
        }
        return output.ToArray();
    }

    private static void WriteCifar10(TempDirectory dir, string folder, byte badLabel = 0)
    {
        for (var i = 1; i <= 5; i++) System.IO.File.WriteAllBytes(dir.File($"{folder}/data_batch_{i}.bin"), Records([(byte)(i - 1)], [(byte)(9 - i)]));
        System.IO.File.WriteAllBytes(dir.File($"{folder}/test_batch.bin"), Records([3], [badLabel]));
    }

    [Fact]
    public void Cifar10ReadsLabelsAndChannelMajorImagesAcrossBatches()
    {
        using var dir = new TempDirectory();
        WriteCifar10(dir, "cifar-10-batches-bin");
        var train = new Cifar10Dataset(dir.Path); // finds the nested cifar-10-batches-bin
        Assert.Equal(10, train.Count);
        Assert.Equal(Cifar10Dataset.DefaultClassNames, train.ClassNames);
        using var sample = train.Get(3); // data_batch_2.bin, record 1
        Assert.Equal(9 - 2, sample.Label);
        Assert.Equal([3L, 32, 32], sample.Image.Shape);
        var pixels = sample.Image.ToArray<byte>();
        Assert.Equal([10, 11, 12], new[] { pixels[0], pixels[1024], pixels[3071] });
        var test = new Cifar10Dataset(Path.Combine(dir.Path, "cifar-10-batches-bin"), train: false);
        Assert.Equal(2, test.Count);
        using var first = test.Get(0);
        Assert.Equal(3, first.Label);
    }

    [Fact]
    public void Cifar10ClassNamesComeFromTheMetaFile()
    {
        using var dir = new TempDirectory();
        WriteCifar10(dir, ".");
        var names = Enumerable.Range(0, 10).Select(i => $"c{i}").ToArray();
        System.IO.File.WriteAllText(dir.File("batches.meta.txt"), string.Join("\n", names) + "\n\n");
        Assert.Equal(names, new Cifar10Dataset(dir.Path, train: false).ClassNames);
    }

    [Fact]
    public void Cifar10ErrorsNameTheFile()
    {
        using var dir = new TempDirectory();
        WriteCifar10(dir, ".", badLabel: 10);
        var label = Assert.Throws<DatasetException>(() => new Cifar10Dataset(dir.Path, train: false));
        Assert.Contains("test_batch.bin' record 1: label 10 is out of range for 10 classes", label.Message);

        System.IO.File.WriteAllBytes(dir.File("data_batch_3.bin"), new byte[3073 * 2 + 5]);
        var size = Assert.Throws<DatasetException>(() => new Cifar10Dataset(dir.Path));
        Assert.Contains("data_batch_3.bin' has 6151 bytes", size.Message);

        System.IO.File.WriteAllBytes(dir.File("data_batch_3.bin"), Records([1]));
        System.IO.File.Delete(dir.File("data_batch_5.bin"));
        var missing = Assert.Throws<DatasetException>(() => new Cifar10Dataset(dir.Path));
        Assert.Contains("data_batch_5.bin", missing.Message);
    }

    [Fact]
    public void Cifar100ReadsFineOrCoarseLabels()
    {
        using var dir = new TempDirectory();
        System.IO.File.WriteAllBytes(dir.File("train.bin"), Records([4, 99], [19, 0], [0, 55]));
        var fine = new Cifar100Dataset(dir.Path);
        var coarse = new Cifar100Dataset(dir.Path, coarseLabels: true);
        Assert.Equal(3, fine.Count);
        Assert.Equal([99, 0, 55], Enumerable.Range(0, 3).Select(i => { using var s = fine.Get(i); return s.Label; }));
        Assert.Equal([4, 19, 0], Enumerable.Range(0, 3).Select(i => { using var s = coarse.Get(i); return s.Label; }));
        Assert.Equal("worm", fine.ClassNames[99]);
        Assert.Equal("vehicles_2", coarse.ClassNames[19]);
        using var sample = fine.Get(2);
        Assert.Equal([20, 21, 22], new[] { sample.Image.ToArray<byte>()[0], sample.Image.ToArray<byte>()[1024], sample.Image.ToArray<byte>()[2048] });
    }

    [Fact]
    public void Cifar100BuiltInNamesAreCompleteAndSorted()
    {
        Assert.Equal(100, Cifar100ClassNames.Fine.Count);
        Assert.Equal(20, Cifar100ClassNames.Coarse.Count);
        Assert.Equal(Cifar100ClassNames.Fine.Order(StringComparer.Ordinal), Cifar100ClassNames.Fine);
        Assert.Equal(Cifar100ClassNames.Coarse.Order(StringComparer.Ordinal), Cifar100ClassNames.Coarse);
    }

    [Fact]
    public void Cifar100RejectsAFineLabelOutOfRange()
    {
        using var dir = new TempDirectory();
        System.IO.File.WriteAllBytes(dir.File("test.bin"), Records([4, 100]));
        var e = Assert.Throws<DatasetException>(() => new Cifar100Dataset(dir.Path, train: false));
        Assert.Contains("label 100 is out of range for 100 classes", e.Message);
    }
}
