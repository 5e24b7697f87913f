using Ocular.Torch;
using Ocular.Torch.Nn;
using Ocular.Vision.Models;

namespace Ocular.Vision.Tests;

/// <summary>Splitting a classifier into trunk and head: Head(Trunk(x)) is the model's forward, bit for bit.</summary>
public class SplitTests
{
    private static void AssertSplitReproducesForward(Classifier model, Tensor x, string layer, long[] featureShape)
    {
        using var full = model.Call(x);
        var split = model.Split(layer);
        using var features = split.Trunk.Call(x);
        Assert.Equal(featureShape, features.Shape);
        using var logits = split.Head.Call(features);
        Assert.True(full.Equal(logits), $"split at {layer}: head(trunk(x)) differs from the forward pass");
    }

    [Theory]
    [InlineData("layer4", new long[] { 2, 512, 2, 2 })]
    [InlineData("layer4.0", new long[] { 2, 512, 2, 2 })]
    [InlineData("layer3.1", new long[] { 2, 256, 4, 4 })]
    [InlineData("relu", new long[] { 2, 64, 32, 32 })]
    [InlineData("bn1", new long[] { 2, 64, 32, 32 })]
    [InlineData("avgpool", new long[] { 2, 512, 1, 1 })]
    [InlineData("fc", new long[] { 2, 10 })]
    public void ResNetSplitReproducesTheForwardPass(string layer, long[] featureShape)
    {
        using var model = ModelZoo.Create("resnet18", numClasses: 10);
        model.Eval();
        ModelFormula.Apply(model);
        using var x = ModelFormula.Input(2, 3, 64);
        using (Autograd.NoGrad()) AssertSplitReproducesForward(model, x, layer, featureShape);
    }

    [Theory]
    [InlineData("features.11", new long[] { 2, 256, 3, 3 })]
    [InlineData("features.7", new long[] { 2, 384, 3, 3 })]
    [InlineData("features.10", new long[] { 2, 256, 3, 3 })]
    [InlineData("features", new long[] { 2, 256, 1, 1 })]
    [InlineData("classifier.4", new long[] { 2, 4096 })]
    public void AlexNetSplitExpandsSequentials(string layer, long[] featureShape)
    {
        using var model = ModelZoo.Create("alexnet", numClasses: 5);
        model.Eval();
        using var x = ModelFormula.Input(2, 3, 63);
        using (Autograd.NoGrad()) AssertSplitReproducesForward(model, x, layer, featureShape);
    }

    [Fact]
    public void StagesOfASplitNameTheLayers()
    {
        using var model = ModelZoo.Create("resnet18");
        var split = model.Split("layer4.1");
        Assert.Equal(["conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4.0", "layer4.1"], split.Trunk.Stages.Select(s => s.Name));
        Assert.Equal(["avgpool", "flatten", "fc"], split.Head.Stages.Select(s => s.Name));
        Assert.False(split.Head.Stages[1].IsLayer);
        Assert.Equal("layer4.1", split.Layer);
        Assert.Empty(split.Trunk.Parameters()); // parts own nothing: the weights stay the model's
    }

    [Fact]
    public void HeadDoesNotOverwriteItsInputWhenItStartsWithAnInPlaceRelu()
    {
        using var model = ModelZoo.Create("alexnet", numClasses: 4);
        model.Eval();
        var split = model.Split("features.10"); // the head starts with ReLU(inplace=True)
        using var maps = Tensor.Full([1, 256, 3, 3], -1.0);
        using var logits = split.Head.Call(maps);
        using var min = maps.Min();
        Assert.Equal(-1f, min.Item<float>());
    }

    [Fact]
    public void GradientsFlowThroughTheHeadAsInTheFullModel()
    {
        using var model = ModelZoo.Create("compact_cnn");
        model.Eval();
        ModelFormula.Apply(model);
        using var x = ModelFormula.Input(2, 3, 32);
        Tensor expected;
        using (var capture = LayerCapture.Attach(model, "block3"))
        using (var logits = model.Call(x))
        {
            using var score = logits.Sum();
            score.Backward();
            expected = capture.Gradient("block3").Clone();
        }
        var split = model.Split("block3");
        using var maps = split.Trunk.Call(x);
        using var leaf = maps.Detach().RequiresGrad_();
        using var headLogits = split.Head.Call(leaf);
        using var headScore = headLogits.Sum();
        headScore.Backward();
        using var grad = leaf.Grad!;
        using (expected) TensorAssert.Close(expected, grad, rtol: 1e-6, atol: 1e-6, what: "gradient at block3");
    }

    [Fact]
    public void InsideAResidualBlockIsAClearError()
    {
        using var model = ModelZoo.Create("resnet18");
        var e = Assert.Throws<LayerSplitException>(() => model.Split("layer4.1.conv2"));
        Assert.Equal(["layer4.1", "layer4"], e.Alternatives);
        Assert.Contains("'layer4.1' (BasicBlock)", e.Message);
        Assert.Contains("layer4.1, layer4", e.Message);
        var d = Assert.Throws<LayerSplitException>(() => model.Split("layer2.0.downsample.0"));
        Assert.Equal(["layer2.0", "layer2"], d.Alternatives);
    }

    [Fact]
    public void UnknownLayerListsTheValidPaths()
    {
        using var model = ModelZoo.Create("cifar_resnet20");
        var e = Assert.Throws<UnknownLayerException>(() => model.Split("layer4"));
        Assert.Contains("layer3.2.conv2", e.ValidPaths);
        Assert.Contains("layer3", e.Message);
    }

    [Fact]
    public void SplitPointsListEverySequentialPosition()
    {
        using var model = ModelZoo.Create("cifar_resnet20");
        var points = model.SplitPoints;
        Assert.Equal(["conv1", "bn1", "relu", "layer1", "layer1.0", "layer1.1", "layer1.2"], points.Take(7));
        Assert.Contains("layer3.2", points);
        Assert.DoesNotContain("layer3.2.conv1", points);
        Assert.Equal("fc", points[^1]);
        foreach (var point in points) Assert.Equal(point, model.Split(point).Layer);
    }

    [Fact]
    public void SplitKeepsWorkingAfterTheHeadIsReplaced()
    {
        using var model = ModelZoo.Create("compact_cnn");
        model.Eval();
        var split = model.Split("block4");
        model.ReplaceHead(3);
        using var x = Tensor.Zeros(2, 3, 32, 32);
        using var maps = split.Trunk.Call(x);
        using var logits = split.Head.Call(maps);
        Assert.Equal([2L, 3], logits.Shape);
    }
}
