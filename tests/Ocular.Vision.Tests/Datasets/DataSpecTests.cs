using Ocular.Vision.Datasets;
using Ocular.Vision.Datasets.Shapes;

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
}
