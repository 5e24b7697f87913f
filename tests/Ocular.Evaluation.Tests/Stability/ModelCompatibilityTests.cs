using System.Text.Json.Nodes;
using Ocular.Evaluation.Stability;
using Ocular.Vision.Models;

namespace Ocular.Evaluation.Tests.Stability;

/// <summary>The study refuses models that cannot be compared, naming both and what differs.</summary>
public class ModelCompatibilityTests
{
    private static StudyModel Model(string label, string architecture = "compact_cnn", string[]? classes = null, int inputSize = 32,
        double[]? mean = null, double[]? std = null, string? data = "shapes:size=32", JsonObject? moreOptions = null)
    {
        JsonObject? training = null;
        if (data is not null)
        {
            var options = new JsonObject { ["data"] = data, ["epochs"] = 3 };
            foreach (var (k, v) in moreOptions ?? []) options[k] = v?.DeepClone();
            training = new JsonObject { ["epoch"] = 3, ["options"] = options };
        }
        return new StudyModel(label, $"/runs/{label}/best.ocular", new ClassifierMetadata
        {
            Architecture = architecture,
            NumClasses = (classes ?? ["circle", "square"]).Length,
            ClassNames = classes ?? ["circle", "square"],
            InputSize = inputSize,
            ResizeSize = inputSize,
            Mean = mean ?? [0.5, 0.5, 0.5],
            Std = std ?? [0.25, 0.25, 0.25],
            Training = training,
        });
    }

    private static IncompatibleModelsException Refused(StudyModel a, StudyModel b, string method = "grad-cam") =>
        Assert.Throws<IncompatibleModelsException>(() => ModelCompatibility.Check([a, b], method));

    [Fact]
    public void ComparableModelsPassWithoutWarnings()
    {
        Assert.Empty(ModelCompatibility.Check([Model("a"), Model("b", moreOptions: new JsonObject { ["epochs"] = 9 }), Model("c")], "grad-cam"));
    }

    [Fact]
    public void DifferentClassListsAreRefused()
    {
        var e = Refused(Model("a"), Model("b", classes: ["circle", "triangle"]));
        Assert.Equal("class names", e.What);
        Assert.Equal(("a", "b"), (e.ModelA, e.ModelB));
        Assert.Contains("models a (/runs/a/best.ocular) and b (/runs/b/best.ocular) differ in class names: [circle, square] vs [circle, triangle]", e.Message);
        Assert.Equal("number of classes", Refused(Model("a"), Model("b", classes: ["circle", "square", "star"])).What);
    }

    [Fact]
    public void DifferentInputSizeOrNormalisationIsRefused()
    {
        var size = Refused(Model("a"), Model("b", inputSize: 64));
        Assert.Equal("input size", size.What);
        Assert.Contains("32 vs 64", size.Message);
        var mean = Refused(Model("a"), Model("b", mean: [0.485, 0.456, 0.406]));
        Assert.Equal("normalisation mean", mean.What);
        Assert.Contains("[0.5, 0.5, 0.5] vs [0.485, 0.456, 0.406]", mean.Message);
        Assert.Equal("normalisation std", Refused(Model("a"), Model("b", std: [0.2, 0.2, 0.2])).What);
    }

    [Fact]
    public void AnLfiCamModelIsNotComparedWithAnAbnModel()
    {
        var e = Refused(Model("lfi", "lficam_resnet18"), Model("abn", "abn_resnet18"), "lfi-cam");
        Assert.Equal("kind of built-in map", e.What);
        Assert.Contains("lfi-cam (lficam_resnet18) vs abn (abn_resnet18)", e.Message);
        Assert.Equal("kind of built-in map", Refused(Model("lfi", "lficam_compact_cnn"), Model("plain", "compact_cnn")).What);
    }

    [Fact]
    public void ABuiltInMapMethodNeedsModelsWithThatMap()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelCompatibility.Check([Model("a"), Model("b")], "LFI-CAM"));
        Assert.Contains("LFI-CAM reads the map built into lficam_* models, but a (/runs/a/best.ocular) is compact_cnn", e.Message);
    }

    [Fact]
    public void TheMethodDefaultsToTheBuiltInMapAndIsOtherwiseRequired()
    {
        Assert.Equal("lfi-cam", ModelCompatibility.Method([Model("a", "lficam_resnet18"), Model("b", "lficam_resnet18")], null));
        Assert.Equal("abn", ModelCompatibility.Method([Model("a", "abn_cifar_resnet20"), Model("b", "abn_cifar_resnet20")], null));
        Assert.Equal("grad-cam", ModelCompatibility.Method([Model("a", "abn_cifar_resnet20")], " grad-cam "));
        var e = Assert.Throws<ArgumentException>(() => ModelCompatibility.Method([Model("a"), Model("b")], null));
        Assert.Contains("name the method to compare (--method", e.Message);
        Assert.Contains("compact_cnn", e.Message);
    }

    [Fact]
    public void DifferentTrainingDataOrSplitsAreRefused()
    {
        var data = Refused(Model("a"), Model("b", data: "cifar10:/data/cifar"));
        Assert.Equal("training data (data)", data.What);
        Assert.Contains("\"shapes:size=32\" vs \"cifar10:/data/cifar\"", data.Message);
        var split = Refused(Model("a", moreOptions: new JsonObject { ["validation_fraction"] = 0.1 }),
            Model("b", moreOptions: new JsonObject { ["validation_fraction"] = 0.2 }));
        Assert.Equal("training data (validation_fraction)", split.What);
    }

    [Fact]
    public void AModelWithoutATrainingRecordIsAWarningNotARefusal()
    {
        var warnings = ModelCompatibility.Check([Model("a"), Model("imported", data: null), Model("c")], "grad-cam");
        var warning = Assert.Single(warnings);
        Assert.StartsWith("imported (/runs/imported/best.ocular) records no training data set", warning);
    }

    [Fact]
    public void FewerThanTwoModelsAreRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelCompatibility.Check([Model("a")], "grad-cam"));
        Assert.Contains("at least 2 models", e.Message);
    }
}
