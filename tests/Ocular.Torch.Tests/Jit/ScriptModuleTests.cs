using Ocular.Torch.Jit;

namespace Ocular.Torch.Tests.Jit;

/// <summary>
/// TorchScript models loaded by libtorch and cut at layers, against PyTorch's outputs for the same files
/// (tests/fixtures/torchscript/make_models.py): a scripted and a traced custom CNN with branches, a skip connection, an
/// in-place ReLU after a layer and an op that reads the input after the layers.
/// </summary>
public class ScriptModuleTests
{
    private static readonly Tolerance Float = new(1e-4, 1e-5);

    private static ScriptModule Load(string name)
    {
        var model = ScriptModule.Load(Fixtures.Path("torchscript", name));
        model.Train(false);
        return model;
    }

    [Theory]
    [InlineData("branchy_scripted.pt")]
    [InlineData("branchy_traced.pt")]
    public void LogitsEqualPyTorchs(string file)
    {
        using var golden = Fixtures.Load("torchscript", "branchy.safetensors");
        using var model = Load(file);
        Assert.False(model.Training);
        using var logits = model.Forward(golden.Tensors["input"]);
        TensorAssert.Close(golden.Tensors["logits"], logits, $"{file} logits", Float);
    }

    [Fact]
    public void ModulesAndParametersAreListedByPath()
    {
        using var model = Load("branchy_scripted.pt");
        var modules = model.Modules();
        Assert.Equal(["stem", "stem.0", "stem.1", "stem.2", "left", "right", "right.0", "right.1", "merge", "head"], modules.Select(m => m.Path));
        Assert.Equal(["Sequential", "Conv2d", "BatchNorm2d", "ReLU", "Conv2d", "Sequential", "Conv2d", "ReLU", "Conv2d", "Linear"], modules.Select(m => m.ClassName));
        var parameters = model.Parameters();
        Assert.Equal(["stem.0.weight", "stem.0.bias", "stem.1.weight", "stem.1.bias", "left.weight", "left.bias", "right.0.weight", "right.0.bias",
            "merge.weight", "merge.bias", "head.weight", "head.bias"], parameters.Select(p => p.Name));
        Assert.Equal([5L, 16], parameters[^2].Tensor.Shape);
        Assert.Equal(["stem.1.running_mean", "stem.1.running_var", "stem.1.num_batches_tracked"], model.Buffers().Select(b => b.Name));
        // The tensors share the model's storage: zeroing the head's weight and bias zeroes the logits.
        using var input = Tensor.Randn([1, 3, 16, 16]);
        using (Autograd.NoGrad())
        {
            parameters[^2].Tensor.Zero_();
            parameters[^1].Tensor.Zero_();
        }
        using var logits = model.Forward(input);
        Assert.All(logits.ToArray<float>(), v => Assert.Equal(0f, v));
        foreach (var (_, t) in parameters) t.Dispose();
    }

    [Theory]
    [InlineData("branchy_scripted.pt")]
    [InlineData("branchy_traced.pt")]
    public void LayersAreListedInForwardOrder(string file)
    {
        using var model = Load(file);
        var layers = model.Layers();
        // A module and the last module it calls compute the same output: the outer one first.
        Assert.Equal(["stem.0", "stem.1", "stem", "stem.2", "left", "right.0", "right", "right.1", "merge", "head"], layers.Select(l => l.Path));
        Assert.All(layers, l => Assert.True(l.IsSingleCall, l.Path));
        using var looped = Load("looped_scripted.pt");
        var block = Assert.Single(looped.Layers(), l => l.Path == "block");
        Assert.False(block.IsSingleCall);
        Assert.Equal(-1, block.Position);
    }

    [Theory]
    [InlineData("branchy_scripted.pt")]
    [InlineData("branchy_traced.pt")]
    public void CaptureReturnsTheLayerOutputsAfterTheLogits(string file)
    {
        using var golden = Fixtures.Load("torchscript", "branchy.safetensors");
        using var model = Load(file);
        using var capture = model.Capture(["stem", "right", "left", "merge"]);
        Assert.Equal(5, capture.Outputs);
        var outputs = capture.Run(golden.Tensors["input"]);
        TensorAssert.Close(golden.Tensors["logits"], outputs[0], "logits", Float);
        TensorAssert.Close(golden.Tensors["act.stem"], outputs[1], "stem", Float);
        TensorAssert.Close(golden.Tensors["act.right"], outputs[2], "right", Float);
        TensorAssert.Close(golden.Tensors["act.left"], outputs[3], "left", Float);
        // merge's output is then overwritten by the in-place ReLU, as a PyTorch forward hook sees it.
        TensorAssert.Close(golden.Tensors["act.merge"], outputs[4], "merge", Float);
        foreach (var t in outputs) t.Dispose();
    }

    [Theory]
    [InlineData("branchy_scripted.pt", "merge")]
    [InlineData("branchy_scripted.pt", "stem")]
    [InlineData("branchy_traced.pt", "merge")]
    [InlineData("branchy_traced.pt", "stem")]
    public void TrunkThenHeadIsTheForwardAndGivesPyTorchsGradient(string file, string layer)
    {
        using var golden = Fixtures.Load("torchscript", "branchy.safetensors");
        using var model = Load(file);
        var x = golden.Tensors["input"];
        using var trunk = model.Cut(null, layer);
        using var head = model.Cut(layer, null);
        Assert.True(trunk.ReadsInput);
        Assert.False(trunk.StartsAtLayer);
        Assert.True(head.StartsAtLayer);
        Assert.True(head.ReadsInput);   // the op after the layers reads the input image again
        Tensor activation;
        using (Autograd.NoGrad()) activation = trunk.Run(x)[0];
        if (layer == "stem")
        {
            // The trunk stops at stem: nothing of left, right, merge or head is left in its graph.
            Assert.DoesNotContain("aten::linear", trunk.Graph);
            Assert.DoesNotContain("aten::cat", trunk.Graph);
        }
        activation.RequiresGrad_();
        var logits = head.Run(x, activation)[0];
        TensorAssert.Close(golden.Tensors["logits"], logits, "head(trunk(x))", Float);
        using var score = logits.Select(1, 1).Sum();
        var grad = Autograd.Grad([score], [activation])[0]!;
        TensorAssert.Close(golden.Tensors[$"grad.{layer}"], grad, $"d score / d {layer}", Float);
    }

    [Fact]
    public void AHeadKeepsNothingOfThePrefix()
    {
        // torchvision's scripted ResNet-18: every batch norm of the prefix checks its input's rank (may raise) and counts
        // batches in training mode (mutates), which libtorch's dead-code elimination keeps; the head from layer3 must not.
        using var model = Load("resnet18_scripted.pt");
        using var head = model.Cut("layer3", null);
        Assert.False(head.ReadsInput);
        Assert.Equal(5, CountOf(head.Graph, "aten::conv2d("));   // layer4: two blocks of two convolutions and a downsample
        Assert.Equal(1, CountOf(head.Graph, "aten::linear("));
        using var trunk = model.Cut(null, "layer1");
        Assert.Equal(1 + 4, CountOf(trunk.Graph, "aten::conv2d("));   // conv1 and layer1's four
    }

    private static int CountOf(string text, string what) => (text.Length - text.Replace(what, "").Length) / what.Length;

    [Fact]
    public void ASegmentRunsBetweenTwoLayers()
    {
        using var golden = Fixtures.Load("torchscript", "branchy.safetensors");
        using var model = Load("branchy_scripted.pt");
        using var segment = model.Cut("stem", "merge");
        Assert.False(segment.ReadsInput);
        var merge = segment.Run(null, golden.Tensors["act.stem"])[0];
        // Before the in-place ReLU that follows merge in the model; the hook's copy is after it.
        using var relu = merge.Relu();
        TensorAssert.Close(golden.Tensors["act.merge"], relu, "relu(segment(stem))", Float);
        var backwards = Assert.Throws<ArgumentException>(() => model.Cut("merge", "stem"));
        Assert.Contains("layer 'stem' does not come after 'merge'", backwards.Message);
    }

    [Fact]
    public void LayersThatAreNotOneTopLevelCallAreRefusedByName()
    {
        using var model = Load("branchy_scripted.pt");
        var missing = Assert.Throws<ArgumentException>(() => model.Cut(null, "nope"));
        Assert.Contains("'nope' is not a module call in the forward graph", missing.Message);
        Assert.Contains("stem, left, right, merge, head", missing.Message);
        using var looped = Load("looped_scripted.pt");
        var loop = Assert.Throws<ArgumentException>(() => looped.Capture(["block"]));
        Assert.Contains("layer 'block' is called inside a loop or a branch", loop.Message);
        Assert.Contains("stem, head", loop.Message);
    }

    [Fact]
    public void BadFilesGetOneClearError()
    {
        using var dir = new TempDirectory();
        Assert.Throws<FileNotFoundException>(() => ScriptModule.Load(dir.File("absent.pt")));
        // A torch.save pickle (what a state dict is): a zip with data.pkl and no code.
        var pth = Fixtures.Path("interop", "cifar_resnet20.pth");
        var state = Assert.Throws<InvalidDataException>(() => ScriptModule.Load(pth));
        Assert.Contains("a PyTorch pickle written by torch.save", state.Message);
        Assert.Contains("torch.jit.script(model).save", state.Message);
        // A truncated archive.
        var bytes = File.ReadAllBytes(Fixtures.Path("torchscript", "branchy_scripted.pt"));
        var truncated = dir.File("truncated.pt");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        var cut = Assert.Throws<InvalidDataException>(() => ScriptModule.Load(truncated));
        Assert.Contains("truncated.pt: not a TorchScript archive", cut.Message);
        // A forward that returns a tuple.
        using var tuple = Load("tuple_scripted.pt");
        using var x = Tensor.Zeros([1, 3, 8, 8]);
        var notTensor = Assert.Throws<TorchException>(() => tuple.Forward(x));
        Assert.Contains("returns a Tuple, not a tensor of logits", notTensor.Message);
    }
}
