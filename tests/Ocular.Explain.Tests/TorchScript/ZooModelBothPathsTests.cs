using Ocular.Torch;
using Ocular.Vision.Models;
using Ocular.Vision.Models.TorchScript;

namespace Ocular.Explain.Tests.TorchScript;

/// <summary>
/// A zoo ResNet-18 and the same network exported from torchvision to TorchScript (tests/fixtures/torchscript/
/// resnet18_scripted.pt, its weights copied from the zoo model by name) give the same logits and the same maps through
/// both paths: Ocular's re-implementation and libtorch's graph.
/// </summary>
public class ZooModelBothPathsTests
{
    private static (Classifier Zoo, TorchScriptClassifier Script) Pair()
    {
        Engine.ManualSeed(5);
        var zoo = ModelZoo.Create("resnet18", numClasses: 10);
        zoo.Eval();
        var script = TorchScriptClassifier.Load(Fixtures.Path("torchscript", "resnet18_scripted.pt"), inputSize: 64);
        var state = zoo.StateDict();
        using (Autograd.NoGrad())
            foreach (var (name, t) in script.Script.Parameters().Concat(script.Script.Buffers()))
                using (t)
                    t.Copy_(state[name]);
        foreach (var t in state.Values) t.Dispose();
        // The mirror's head is a copy made at load: refresh it from the filled model.
        using (Autograd.NoGrad())
        {
            script.Head.Weight.Copy_(zoo.Head.Weight);
            script.Head.Bias!.Copy_(zoo.Head.Bias!);
        }
        return (zoo, script);
    }

    [Fact]
    public void LayersLogitsAndMapsAreTheSameThroughBothPaths()
    {
        var (zoo, script) = Pair();
        using var _ = zoo;
        using var __ = script;
        Assert.Equal("layer4", script.DefaultLayer);
        Assert.Equal("fc", script.HeadPath);
        foreach (var layer in new[] { "layer1", "layer2", "layer3", "layer4", "layer4.1", "layer3.0.conv2" })
            Assert.Contains(layer, script.FeatureMapLayers);
        using var generator = new Generator(3);
        using var x = Tensor.Randn([3, 3, 64, 64], generator);
        using var a = zoo.Call(x);
        using var b = script.Call(x);
        Assert.True(a.AllClose(b, rtol: 1e-4, atol: 1e-5), "logits differ between the zoo path and the TorchScript path");
        using var targets = a.Argmax(1);
        foreach (var (method, layers) in new[] { ("grad-cam", "layer4"), ("grad-cam++", "layer3"), ("layer-cam", "layer3,layer4"), ("score-cam", "layer4"),
                     ("ablation-cam", "layer4"), ("cam", "layer4"), ("xgrad-cam", "layer4.1") })
        {
            var options = new ExplainerOptions { Layers = layers.Split(','), BatchSize = 128 };
            using var zooExplainer = ExplainerRegistry.Create(method, zoo, options);
            using var scriptExplainer = ExplainerRegistry.Create(method, script, options);
            using var zooMaps = zooExplainer.Explain(x, targets);
            using var scriptMaps = scriptExplainer.Explain(x, targets);
            using var diff = zooMaps.Sub(scriptMaps).Abs().Max();
            Assert.True(diff.Item<float>() < 1e-4, $"{method} at {layers}: the paths differ by {diff.Item<float>()}");
        }
    }

    [Fact]
    public void ALayerInsideAResidualBlockCanBeExplainedOnlyThroughTheGraph()
    {
        var (zoo, script) = Pair();
        using var _ = zoo;
        using var __ = script;
        using var x = Tensor.Randn([1, 3, 64, 64]);
        using var targets = Tensor.FromArray([2L]);
        var options = new ExplainerOptions { Layers = ["layer3.0.conv2"] };
        Assert.Throws<LayerSplitException>(() => ExplainerRegistry.Create("grad-cam", zoo, options).Explain(x, targets));
        using var explainer = ExplainerRegistry.Create("grad-cam", script, options);
        using var maps = explainer.Explain(x, targets);
        Assert.Equal([1L, 64, 64], maps.Shape);
    }
}
