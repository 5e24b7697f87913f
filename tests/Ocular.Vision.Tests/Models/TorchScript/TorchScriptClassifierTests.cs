using Ocular.Torch;
using Ocular.Torch.Nn;
using Ocular.Vision.Models;
using Ocular.Vision.Models.TorchScript;

namespace Ocular.Vision.Tests.Models.TorchScript;

/// <summary>
/// A TorchScript classifier as the methods see it: layers, splits and segments from graph cuts, against PyTorch's outputs
/// (tests/fixtures/torchscript/make_models.py).
/// </summary>
public class TorchScriptClassifierTests
{
    private static TorchScriptClassifier Load(string file) => TorchScriptClassifier.Load(Fixtures.Path("torchscript", file), inputSize: 16);

    [Theory]
    [InlineData("branchy_scripted.pt")]
    [InlineData("branchy_traced.pt")]
    public void ItIsAClassifierWithLayersByModulePath(string file)
    {
        using var golden = Fixtures.Load("torchscript", "branchy.safetensors");
        using var model = Load(file);
        Assert.Equal("torchscript:" + file, model.Architecture);
        Assert.Equal((5, 3, 16), (model.NumClasses, model.InChannels, model.DefaultInputSize));
        Assert.Equal("head", model.HeadPath);
        Assert.Equal(["stem.0", "stem.1", "stem", "stem.2", "left", "right.0", "right", "right.1", "merge"], model.FeatureMapLayers);
        Assert.Equal("merge", model.DefaultLayer);
        Assert.Contains("right.1", model.LayerPaths);
        Assert.Equal(8 * 3 * 9 + 8 + 16 + 8 * 8 * 9 + 8 + 8 * 8 + 8 + 16 * 16 * 9 + 16 + 16 * 5 + 5, model.Parameters().Sum(p => p.NumEl));
        Assert.All(model.Parameters(), p => Assert.False(p.RequiresGrad));
        Assert.False(model.Training);
        using var logits = model.Call(golden.Tensors["input"]);
        TensorAssert.Close(golden.Tensors["logits"], logits, 1e-4, 1e-5, "logits");
        // A submodule runs its own compiled forward.
        using var conv = model.GetSubmodule("stem.0").Call(golden.Tensors["input"]);
        Assert.Equal([2L, 8, 16, 16], conv.Shape);
        // The head Linear aliases the model's weight: what the graph's tensor holds, Head reads.
        var (name, weight) = model.Script.Parameters()[^2];
        Assert.Equal("head.weight", name);
        using (Autograd.NoGrad()) weight.Fill_(0.5);
        Assert.All(model.Head.Weight.ToArray<float>(), v => Assert.Equal(0.5f, v));
        weight.Dispose();
    }

    [Fact]
    public void SplitAndSegmentRunTheCutGraph()
    {
        using var golden = Fixtures.Load("torchscript", "branchy.safetensors");
        using var model = Load("branchy_scripted.pt");
        var x = golden.Tensors["input"];
        var split = model.Split("merge");
        Assert.True(split.Head.NeedsImage);   // the op after the layers reads the image
        using var merged = split.Trunk.Call(x);
        Assert.Equal([2L, 16, 8, 8], merged.Shape);
        using var logits = split.Head.Forward(merged, x);
        TensorAssert.Close(golden.Tensors["logits"], logits, 1e-4, 1e-5, "head(trunk(x))");
        Assert.Throws<InvalidOperationException>(() => split.Head.Call(merged));
        using var stem = model.Split("stem").Trunk.Call(x);
        using var segment = model.Segment("stem", "merge");
        using var again = segment.Forward(stem, x);
        TensorAssert.Close(merged, again, 1e-5, 1e-6, "segment(stem → merge)");
        Assert.Throws<ArgumentException>(() => model.Segment("merge", "stem"));
    }

    [Fact]
    public void LayersThatCannotBeCutAreRefusedByName()
    {
        using var model = Load("branchy_scripted.pt");
        var unknown = Assert.Throws<UnknownLayerException>(() => model.Split("nope"));
        Assert.Contains("merge", unknown.Message);
        var capture = Assert.Throws<NotSupportedException>(() => LayerCapture.Attach(model, "merge"));
        Assert.Contains("forward hooks do not fire inside a TorchScript graph", capture.Message);
        using var looped = TorchScriptClassifier.Load(Fixtures.Path("torchscript", "looped_scripted.pt"), inputSize: 8);
        var loop = Assert.Throws<UnknownLayerException>(() => looped.Split("block"));
        Assert.Contains("the forward pass calls it inside a loop or a branch", loop.Message);
        var tuple = Assert.Throws<InvalidDataException>(() => TorchScriptClassifier.Load(Fixtures.Path("torchscript", "tuple_scripted.pt"), inputSize: 8));
        Assert.Contains("returns a Tuple, not a tensor of logits", tuple.Message);
    }
}
