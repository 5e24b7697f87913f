using Ocular.Explain.Methods;
using Ocular.Torch;
using Ocular.Vision.Models;

namespace Ocular.Explain.Tests;

/// <summary>Properties every method keeps: range and shape, batch independence, reproducibility, an untouched model.</summary>
public class PropertyTests
{
    private static ExplainerOptions Fast => new() { RiseMasks = 96, BatchSize = 40, Seed = 3 };

    public static TheoryData<string> Methods => [.. ExplainerRegistry.Names.Take(10)];

    [Theory]
    [MemberData(nameof(Methods))]
    public void ABatchGivesTheMapsOfTheImagesOneByOne(string method)
    {
        using var f = new ExplainFixture();
        using var explainer = ExplainerRegistry.Create(method, f.Model, Fast);
        using var batch = explainer.Explain(f.Images, f.Targets);
        MapAssert.IsSaliency(batch, 3, 32, 32, method);
        for (var i = 0; i < 3; i++)
        {
            using var image = f.Images.Narrow(0, i, 1);
            using var target = f.Targets.Narrow(0, i, 1);
            using var single = explainer.Explain(image, target);
            using var row = batch.Narrow(0, i, 1);
            MapAssert.Close(row, single, 1e-5, $"{method}, image {i}");
        }
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void LeavesNoGradientsOrHooksInTheModel(string method)
    {
        using var f = new ExplainFixture();
        using var channelsLast = f.Images.ToChannelsLast();
        using var before = f.Model.Call(channelsLast);
        using var beforeNchw = f.Model.Call(f.Images);
        using (var explainer = ExplainerRegistry.Create(method, f.Model, Fast))
        using (explainer.Explain(f.Images, f.Targets)) { }
        Assert.All(f.Model.Parameters(), p => Assert.Null(p.Grad));
        // The explainer lays out the weights channels-last and changes nothing else: the same outputs bit for bit on the
        // channels-last inputs its passes use, and within float32 rounding on NCHW inputs (another convolution path).
        using var after = f.Model.Call(channelsLast);
        Assert.True(before.Equal(after));
        using var afterNchw = f.Model.Call(f.Images);
        Assert.True(afterNchw.AllClose(beforeNchw, rtol: 1e-5, atol: 1e-5), $"{method}: the model's NCHW outputs changed beyond float32 rounding");
        Assert.False(f.Images.RequiresGrad);
    }

    [Fact]
    public void SeededRiseIsReproducibleAndTheSeedMatters()
    {
        using var f = new ExplainFixture();
        using var a = ExplainerRegistry.Create("rise", f.Model, Fast with { Seed = 42 });
        using var b = ExplainerRegistry.Create("rise", f.Model, Fast with { Seed = 42 });
        using var c = ExplainerRegistry.Create("rise", f.Model, Fast with { Seed = 43 });
        using var ma = a.Explain(f.Images, f.Targets);
        using var ma2 = a.Explain(f.Images, f.Targets);
        using var mb = b.Explain(f.Images, f.Targets);
        using var mc = c.Explain(f.Images, f.Targets);
        Assert.True(ma.Equal(ma2));
        Assert.True(ma.Equal(mb));
        Assert.False(ma.Equal(mc));
    }

    [Fact]
    public void RiseBatchSizeDoesNotChangeTheMaps()
    {
        using var f = new ExplainFixture();
        using var small = ExplainerRegistry.Create("rise", f.Model, Fast with { BatchSize = 7 });
        using var large = ExplainerRegistry.Create("rise", f.Model, Fast with { BatchSize = 500 });
        using var a = small.Explain(f.Images, f.Targets);
        using var b = large.Explain(f.Images, f.Targets);
        MapAssert.Close(a, b, 1e-5, "rise, batch 7 vs 500");
    }

    [Fact]
    public void TheTargetChangesClassDiscriminativeMapsButNotEigenCam()
    {
        using var f = new ExplainFixture();
        using var other = f.Targets.Add(1).Remainder(5);
        using (var gradCam = ExplainerRegistry.Create("grad-cam", f.Model))
        using (var a = gradCam.Explain(f.Images, f.Targets))
        using (var b = gradCam.Explain(f.Images, other))
            Assert.False(a.AllClose(b, atol: 1e-3));
        using var eigen = ExplainerRegistry.Create("eigen-cam", f.Model);
        using var e1 = eigen.Explain(f.Images, f.Targets);
        using var e2 = eigen.Explain(f.Images, other);
        Assert.True(e1.Equal(e2));
    }

    [Fact]
    public void AnEmptyBatchGivesNoMaps()
    {
        using var f = new ExplainFixture();
        using var explainer = ExplainerRegistry.Create("grad-cam", f.Model);
        using var images = f.Images.Narrow(0, 0, 0);
        using var targets = f.Targets.Narrow(0, 0, 0);
        using var maps = explainer.Explain(images, targets);
        Assert.Equal(new long[] { 0, 32, 32 }, maps.Shape);
    }

    [Fact]
    public void SettingsRecordTheLayersScoreAndSeed()
    {
        using var f = new ExplainFixture();
        using var gradCam = ExplainerRegistry.Create("grad-cam", f.Model, new ExplainerOptions { Layers = ["block4", "block2"] });
        Assert.Equal("grad-cam", gradCam.Settings["method"]);
        Assert.Equal(new[] { "block2", "block4" }, (string[])gradCam.Settings["layers"]!);   // forward order
        Assert.Equal("logit", gradCam.Settings["score"]);
        using var rise = ExplainerRegistry.Create("rise", f.Model, Fast);
        Assert.Equal("probability", rise.Settings["score"]);
        Assert.Equal(3UL, rise.Settings["seed"]);
        Assert.Equal(96, rise.Settings["masks"]);
    }

    [Fact]
    public void ConstantMapsNormaliseToZerosAndOthersSpanZeroToOne()
    {
        using var maps = Tensor.FromArray(new float[] { 2, 2, 2, 2, -1, 0, 1, 3 }, 2, 2, 2);
        using var n = SaliencyMaps.Normalize(maps);
        Assert.Equal(new float[] { 0, 0, 0, 0, 0, 0.25f, 0.5f, 1 }, n.ToArray<float>());
        using var post = SaliencyMaps.PostProcess(maps, 4, 4);   // ReLU first: the second map's −1 becomes 0
        MapAssert.IsSaliency(post, 2, 4, 4, "post-processed");
        Assert.All(post.Select(0, 0).ToArray<float>(), v => Assert.Equal(0f, v));
    }
}

/// <summary>Errors: every bad argument names what is wrong and lists the valid choices.</summary>
public class ErrorTests
{
    [Fact]
    public void AnUnknownMethodListsTheValidOnes()
    {
        using var f = new ExplainFixture();
        var e = Assert.Throws<UnknownExplainerException>(() => ExplainerRegistry.Create("grad-cam+++", f.Model));
        Assert.Equal("grad-cam+++", e.Name);
        foreach (var name in new[] { "cam", "grad-cam", "grad-cam++", "xgrad-cam", "hires-cam", "layer-cam", "eigen-cam", "score-cam", "ablation-cam", "rise" })
        {
            Assert.Contains(name, e.ValidNames);
            Assert.Contains(name, e.Message);
        }
    }

    [Fact]
    public void AnUnknownLayerListsTheLayersThatCanBeExplained()
    {
        using var f = new ExplainFixture();
        var e = Assert.Throws<Ocular.Torch.Nn.UnknownLayerException>(() =>
            ExplainerRegistry.Create("grad-cam", f.Model, new ExplainerOptions { Layers = ["block5"] }));
        Assert.Contains("unknown layer 'block5'", e.Message);
        Assert.Contains("block4", e.ValidPaths);
        Assert.Contains("block3.1", e.ValidPaths);
        Assert.DoesNotContain("fc", e.ValidPaths);
    }

    [Fact]
    public void ALayerAfterTheFlattenIsRefused()
    {
        using var f = new ExplainFixture();
        var e = Assert.Throws<ArgumentException>(() => ExplainerRegistry.Create("score-cam", f.Model, new ExplainerOptions { Layers = ["fc"] }));
        Assert.Contains("'fc'", e.Message);
        Assert.Contains("no spatial map", e.Message);
    }

    [Fact]
    public void CamOnlyAtTheCamLayer()
    {
        using var f = new ExplainFixture();
        var e = Assert.Throws<ArgumentException>(() => ExplainerRegistry.Create("cam", f.Model, new ExplainerOptions { Layers = ["block3"] }));
        Assert.Contains("only at its CAM layer 'block4'", e.Message);
    }

    [Fact]
    public void ImagesTargetsAndModeAreChecked()
    {
        using var f = new ExplainFixture();
        using var explainer = ExplainerRegistry.Create("grad-cam", f.Model);
        using var gray = f.Images.Narrow(1, 0, 1);
        Assert.Contains("3-channel images", Assert.Throws<ArgumentException>(() => explainer.Explain(gray, f.Targets)).Message);
        using var two = f.Targets.Narrow(0, 0, 2);
        Assert.Contains("int64 targets [3]", Assert.Throws<ArgumentException>(() => explainer.Explain(f.Images, two)).Message);
        using var bad = f.Targets.Add(3);
        Assert.Contains("target class 7 is out of range", Assert.Throws<ArgumentOutOfRangeException>(() => explainer.Explain(f.Images, bad)).Message);
        f.Model.Train();
        Assert.Contains("training mode", Assert.Throws<InvalidOperationException>(() => explainer.Explain(f.Images, f.Targets)).Message);
    }

    [Fact]
    public void BadOptionsAreRefused()
    {
        using var f = new ExplainFixture();
        Assert.Throws<ArgumentOutOfRangeException>(() => ExplainerRegistry.Create("rise", f.Model, new ExplainerOptions { RiseKeepProbability = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExplainerRegistry.Create("rise", f.Model, new ExplainerOptions { RiseGridSize = 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExplainerRegistry.Create("score-cam", f.Model, new ExplainerOptions { BatchSize = 0 }));
    }
}

/// <summary>Residual networks and architectures without a CAM layer (models drawn from libtorch's global generator).</summary>
[Collection(GlobalStateCollection.Name)]
public class ArchitectureTests
{
    [Fact]
    public void EveryMethodRunsOnAResidualNetworkAtSeveralLayers()
    {
        Engine.ManualSeed(5);
        using var model = ModelZoo.Create("cifar_resnet20", 10);
        model.Eval();
        using var generator = new Generator(1);
        using var images = Tensor.Randn([2, 3, 32, 32], generator);
        using var targets = Tensor.FromArray(new long[] { 1, 7 }, 2);
        foreach (var name in ExplainerRegistry.Names.Take(10))
        {
            var layers = name == "cam" ? null : new[] { "layer3", "layer2.2" };
            using var explainer = ExplainerRegistry.Create(name, model, new ExplainerOptions { Layers = layers, RiseMasks = 64, BatchSize = 64 });
            using var maps = explainer.Explain(images, targets);
            MapAssert.IsSaliency(maps, 2, 32, 32, name);
        }
    }

    [Fact]
    public void ALayerInsideAResidualBlockNamesTheEnclosingLayers()
    {
        Engine.ManualSeed(5);
        using var model = ModelZoo.Create("cifar_resnet20", 10);
        model.Eval();
        var e = Assert.Throws<LayerSplitException>(() => ExplainerRegistry.Create("grad-cam", model, new ExplainerOptions { Layers = ["layer3.1.conv2"] }));
        Assert.Contains("layer3.1", e.Alternatives);
    }

    [Fact]
    public void CamOnAnArchitectureWithoutACamLayerNamesThoseWithOne()
    {
        Engine.ManualSeed(5);
        using var model = ModelZoo.Create("alexnet", 4);
        var e = Assert.Throws<ArgumentException>(() => ExplainerRegistry.Create("cam", model));
        Assert.Contains("alexnet has no layer that is globally average-pooled", e.Message);
        Assert.Contains("resnet50", e.Message);
        Assert.Contains("compact_cnn", e.Message);
        using var gradCam = ExplainerRegistry.Create("grad-cam", model);
        Assert.Equal(new[] { "features.11" }, ((CamBase)gradCam).Layers);
    }
}
