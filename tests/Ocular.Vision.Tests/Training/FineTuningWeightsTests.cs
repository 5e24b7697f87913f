using Ocular.Torch;
using Ocular.Vision.Models;

namespace Ocular.Vision.Tests.Training;

[Collection(GlobalStateCollection.Name)]
public class FineTuningWeightsTests
{
    // compact_cnn_10.pth (make_pretrained.py): entry k of the 10-class state dict holds (k + 1) / 100 in float16,
    // nested under "state_dict" with nn.DataParallel's "module." prefix.
    [Fact]
    public void APthWithAnotherNumberOfClassesLoadsTheBackboneAndKeepsANewHead()
    {
        Engine.ManualSeed(5);
        using var model = ModelZoo.Create("compact_cnn", 6);
        var freshHead = model.Head.Weight.Clone();
        var report = PyTorchWeights.LoadBackbone(model, Fixtures.Path("training", "compact_cnn_10.pth"));

        Assert.True(report.HeadSkipped);
        Assert.Equal(10, report.FileNumClasses);
        Assert.Equal(WeightsFormat.PyTorch, report.Source.Format);
        Assert.Contains("head replaced (10 classes in the file)", report.ToString());
        var keys = model.StateDict();
        try
        {
            var k = 0;
            foreach (var (name, tensor) in keys)
            {
                if (name.StartsWith("fc.", StringComparison.Ordinal)) continue;
                var expected = tensor.DType == ScalarType.Int64 ? k + 1 : (double)(Half)((k + 1) / 100.0);
                Assert.True(tensor.Eq(expected).All().Item<bool>(), $"{name} should hold {expected}");
                k++;
            }
            Assert.Equal(24, k);
        }
        finally
        {
            foreach (var t in keys.Values) t.Dispose();
        }
        Assert.True(model.Head.Weight.Equal(freshHead));
        Assert.Equal([6L, 128L], model.Head.Weight.Shape);
        freshHead.Dispose();
    }

    [Fact]
    public void AnOcularCheckpointOfTheSameClassesLoadsEverythingAndAnotherArchitectureIsRefused()
    {
        using var dir = new TempDirectory();
        var path = dir.File("m.ocular");
        Engine.ManualSeed(1);
        using (var source = ModelZoo.Create("compact_cnn", 6))
        {
            ClassifierCheckpoint.Save(path, source, new ClassifierMetadata
            {
                Architecture = "compact_cnn", NumClasses = 6, InputSize = 64, ResizeSize = 64, Mean = [0.5], Std = [0.5],
            });
            Engine.ManualSeed(2);
            using var target = ModelZoo.Create("compact_cnn", 6);
            var report = PyTorchWeights.LoadBackbone(target, path);
            Assert.False(report.HeadSkipped);
            Assert.True(report.IsComplete);
            Assert.Equal(ClassifierCheckpoint.WeightsHash(source), ClassifierCheckpoint.WeightsHash(target));
        }
        using var other = ModelZoo.Create("cifar_resnet20", 6);
        var e = Assert.Throws<PartialWeightsException>(() => PyTorchWeights.LoadBackbone(other, path));
        Assert.Contains("(it is a compact_cnn checkpoint)", e.Message);
    }

    [Fact]
    public void APthOfAnotherArchitectureNamesTheMismatchingKeys()
    {
        using var model = ModelZoo.Create("cifar_resnet20", 6);
        var e = Assert.Throws<PartialWeightsException>(() => PyTorchWeights.LoadBackbone(model, Fixtures.Path("training", "compact_cnn_10.pth")));
        Assert.Contains("match cifar_resnet20", e.Message);
        Assert.Contains("conv1.weight", e.Message);
        Assert.Contains("block1.0.weight", e.Message);
    }
}
