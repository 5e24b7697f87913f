using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Models;

namespace Ocular.Vision.Tests.Models;

[Collection(GlobalStateCollection.Name)]
public class ClassifierCheckpointTests
{
    private static ClassifierMetadata Metadata(int classes) => new()
    {
        Architecture = "compact_cnn", NumClasses = classes, ClassNames = [.. Enumerable.Range(0, classes).Select(i => $"c{i}")],
        InputSize = 32, ResizeSize = 36, Mean = [0.5, 0.5, 0.5], Std = [0.25, 0.25, 0.25],
        Training = new System.Text.Json.Nodes.JsonObject { ["epochs"] = 3 },
    };

    [Fact]
    public void RoundTripsWeightsMetadataAndLogits()
    {
        using var dir = new TempDirectory();
        var path = dir.File("model.ocular");
        Engine.ManualSeed(1);
        using var model = ModelZoo.Create("compact_cnn", 4);
        model.Eval();
        ClassifierCheckpoint.Save(path, model, Metadata(4));

        using var loaded = ClassifierCheckpoint.Load(path);
        Assert.Equal("compact_cnn", loaded.Metadata.Architecture);
        Assert.Equal(["c0", "c1", "c2", "c3"], loaded.Metadata.ClassNames);
        Assert.Equal(36, loaded.Metadata.ResizeSize);
        Assert.Equal(3, (int)loaded.Metadata.Training!["epochs"]!);
        Assert.Equal(Engine.TorchVersion, loaded.Metadata.TorchVersion);
        Assert.False(loaded.Model.Training);
        Assert.Equal(ClassifierCheckpoint.WeightsHash(model), ClassifierCheckpoint.WeightsHash(loaded.Model));

        using var x = Tensor.Rand([2, 3, 32, 32], new Generator(3));
        using var a = model.Call(x);
        using var b = loaded.Model.Call(x);
        Assert.True(a.Equal(b));
    }

    [Fact]
    public void HashChangesWithTheWeights()
    {
        Engine.ManualSeed(2);
        using var model = ModelZoo.Create("compact_cnn", 3);
        var before = ClassifierCheckpoint.WeightsHash(model);
        using (Autograd.NoGrad()) model.Head.Bias!.Add_(1e-3);
        Assert.NotEqual(before, ClassifierCheckpoint.WeightsHash(model));
        Assert.Equal(64, before.Length);
    }

    [Fact]
    public void AFileWithoutMetadataOrWithWrongWeightsIsAClearError()
    {
        using var dir = new TempDirectory();
        var plain = dir.File("plain.safetensors");
        using (var t = Tensor.Zeros(2)) SafeTensors.Save(plain, new Dictionary<string, Tensor> { ["w"] = t });
        var e = Assert.Throws<InvalidDataException>(() => ClassifierCheckpoint.Load(plain));
        Assert.Contains("not an Ocular classifier checkpoint", e.Message);

        var wrong = dir.File("wrong.ocular");
        Engine.ManualSeed(1);
        using var model = ModelZoo.Create("compact_cnn", 4);
        ClassifierCheckpoint.Save(wrong, model, Metadata(4) with { Architecture = "cifar_resnet20", NumClasses = 4 });
        var mismatch = Assert.Throws<InvalidDataException>(() => ClassifierCheckpoint.Load(wrong));
        Assert.Contains("do not match cifar_resnet20", mismatch.Message);
        Assert.Contains("missing:", mismatch.Message);
    }

    [Fact]
    public void PreprocessingResizesCropsAndNormalises()
    {
        using var image = Tensor.Full([3, 40, 50], 128, ScalarType.UInt8);
        using var raw = Metadata(2).Preprocessing(normalise: false).Apply(image);
        using var normalised = Metadata(2).Preprocessing().Apply(image);
        Assert.Equal(new long[] { 3, 32, 32 }, raw.Shape);
        Assert.Equal(128 / 255f, raw.Max().Item<float>(), 5);
        Assert.Equal((128 / 255.0 - 0.5) / 0.25, normalised.Max().Item<float>(), 4);
    }
}
