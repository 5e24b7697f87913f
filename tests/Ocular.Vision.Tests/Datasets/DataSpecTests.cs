using Ocular.Vision.Datasets;
using Ocular.Vision.Datasets.Coco;
using Ocular.Vision.Datasets.Shapes;
using Ocular.Vision.Datasets.VisualGenome;

namespace Ocular.Vision.Tests.Datasets;

public class DataSpecTests
{
    [Fact]
    public void ShapesOptionsReachBothSplits()
    {
        var spec = DataSpec.Parse("shapes:count=50,test-count=20,classes=4,size=32,distractors=1-2,seed=3");
        Assert.Equal("shapes", spec.Kind);
        var train = Assert.IsType<ShapesDataset>(spec.Open(DataSplit.Train));
        var test = spec.Open(DataSplit.Test);
        Assert.Equal(50, train.Count);
        Assert.Equal(20, test.Count);
        Assert.Equal(4, train.ClassNames.Count);
        using var sample = test.Get(0);
        Assert.Equal(new long[] { 3, 32, 32 }, sample.Image.Shape);
    }

    [Fact]
    public void DefaultShapesAndFashionMnistOpen()
    {
        Assert.Equal(10_000, DataSpec.Parse("shapes").Open(DataSplit.Train).Count);
        Assert.Equal(DataSpec.DefaultShapesTestCount, DataSpec.Parse("shapes").Open(DataSplit.Test).Count);
        Assert.Equal(10_000, DataSpec.Parse("fashion-mnist").Open(DataSplit.Test).Count);
    }

    [Theory]
    [InlineData("imagenet:/data", "unknown data set")]
    [InlineData("cifar10", "cifar10 needs DIR")]
    [InlineData("list:a,b", "expected list:ROOT,TRAIN.txt,TEST.txt")]
    [InlineData("shapes:colour=red", "unknown Shapes option 'colour'")]
    [InlineData("shapes:count=many", "needs a non-negative integer")]
    [InlineData("coco", "coco needs ROOT")]
    [InlineData("coco:,train=a", "coco needs a ROOT folder first")]
    [InlineData("coco:/data/coco,split=train2014", "'split=train2014' is not a coco option (accepted: train=…, test=…)")]
    [InlineData("coco:/data/coco,train=", "coco option train needs a value")]
    [InlineData("coco:/data/coco,test=a,test=b", "coco option test is given twice")]
    [InlineData("vg", "vg needs ROOT")]
    [InlineData("vg:/data/vg,train=a", "'train=a' is not a vg option (accepted: prepared=…)")]
    public void BadSpecificationsSayWhatIsAccepted(string text, string message)
    {
        var e = Assert.Throws<FormatException>(() => DataSpec.Parse(text).Open(DataSplit.Train));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void FolderLayoutErrorsNameWhatWasExpected()
    {
        using var dir = new TempDirectory();
        var e = Assert.ThrowsAny<DatasetException>(() => DataSpec.Parse("folder:" + dir.Path).Open(DataSplit.Train));
        Assert.Contains("train", e.Message);
    }

    [Fact]
    public void CocoOpensTheNamedSplitsOfARoot()
    {
        var spec = DataSpec.Parse("coco:" + Fixtures.Path("coco") + ",train=val2017,test=val2017");
        Assert.Equal("coco", spec.Kind);
        var train = Assert.IsType<CocoDataset>(spec.OpenConcepts(DataSplit.Train));
        Assert.Equal(3, train.Count);
        Assert.Equal(Path.Combine(Fixtures.Path("coco"), "val2017"), train.ImageDirectory);
        Assert.EndsWith(Path.Combine("annotations", "instances_val2017.json"), train.Instances.Path);
        Assert.Equal(new[] { "person", "car", "dog", "toothbrush" }, spec.OpenConcepts(DataSplit.Test).Concepts);
    }

    [Fact]
    public void CocoDefaultsToTrain2017AndVal2017()
    {
        var e = Assert.Throws<DatasetException>(() => DataSpec.Parse("coco:" + Fixtures.Path("coco")).Open(DataSplit.Train));
        Assert.Contains(Path.Combine(Fixtures.Path("coco"), "train2017"), e.Message);
        Assert.Equal(3, DataSpec.Parse("coco:" + Fixtures.Path("coco")).Open(DataSplit.Test).Count);
    }

    [Fact]
    public void VisualGenomeNeedsThePreparedFilesAndSaysHowToMakeThem()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<DatasetException>(() => DataSpec.Parse("vg:" + dir.Path).Open(DataSplit.Train));
        Assert.Contains($"run `ocular prepare vg --root {dir.Path}`", e.Message);
        e = Assert.Throws<DatasetException>(() => DataSpec.Parse($"vg:{dir.Path},prepared={dir.Path}/p").Open(DataSplit.Test));
        Assert.Contains($"--out {dir.Path}/p", e.Message);
    }

    [Fact]
    public void VisualGenomeSplitsThePreparedImages()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("p/" + VisualGenomePreparation.LabelsFileName),
            $"{{\"format\": \"{VisualGenomePreparation.Format}\", \"images\": 20, \"labels\": [\"tree\"]}}");
        File.WriteAllText(dir.File("p/" + VisualGenomePreparation.ObjectsFileName),
            "[" + string.Join(",", Enumerable.Range(1, 20).Select(i => $"{{\"image_id\": {i}, \"objects\": {{\"tree\": [{{\"x\": 0, \"y\": 0, \"w\": 1, \"h\": 1}}]}}}}")) + "]");
        var spec = DataSpec.Parse($"vg:{dir.Path},prepared={dir.Path}/p");
        var train = Assert.IsType<VisualGenomeDataset>(spec.OpenConcepts(DataSplit.Train));
        var test = Assert.IsType<VisualGenomeDataset>(spec.OpenConcepts(DataSplit.Test));
        Assert.Equal(18, train.Count);
        Assert.Equal(2, test.Count);
        var ids = Enumerable.Range(0, 18).Select(train.ImageId).Concat(Enumerable.Range(0, 2).Select(test.ImageId)).Order();
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), ids);
    }

    [Fact]
    public void OnlyConceptDataSetsOpenAsConcepts()
    {
        var shapes = DataSpec.Parse("shapes:count=4,classes=8").OpenConcepts(DataSplit.Train);
        Assert.Equal(8 + 6, shapes.Concepts.Count);
        var e = Assert.Throws<DatasetException>(() => DataSpec.Parse("fashion-mnist").OpenConcepts(DataSplit.Test));
        Assert.Contains("'fashion-mnist' has no concept masks", e.Message);
    }
}
