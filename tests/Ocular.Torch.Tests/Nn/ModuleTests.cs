using System.Text.Json;
using Ocular.Torch.Nn;

namespace Ocular.Torch.Tests.Nn;

/// <summary>
/// The module system against torch.nn (fixture tests/fixtures/nn/nested_model.safetensors): names and
/// order, state dicts and their mismatch reports, modes, hooks, conversion, layer lookup. Models draw
/// their initial weights from private generators.
/// </summary>
public sealed class ModuleTests
{
    private static string[] Meta(Serialization.SafeTensors.Contents fx, string key) => JsonSerializer.Deserialize<string[]>(fx.Metadata[key])!;

    private static NestedNet MakeNet(ulong seed = 1)
    {
        using var g = new Generator(seed);
        return new NestedNet(g);
    }

    [Fact]
    public void NamesAndOrderEqualPyTorch()
    {
        using var fx = Fixtures.Load("nn", "nested_model.safetensors");
        using var net = MakeNet();
        Assert.Equal(Meta(fx, "named_parameters"), net.NamedParameters().Select(p => p.Path));
        Assert.Equal(Meta(fx, "named_buffers"), net.NamedBuffers().Select(b => b.Path));
        Assert.Equal(Meta(fx, "named_modules"), net.NamedModules().Select(m => m.Path));
        var state = net.StateDict();
        Assert.Equal(Meta(fx, "state_dict_keys"), state.Keys);
        foreach (var t in state.Values) t.Dispose();

        // The shared head.2 / aux: listed once among parameters, twice in the state dict.
        Assert.Equal(16, net.Parameters().Count());
        Assert.Same(net.GetSubmodule("head.2"), net.GetSubmodule("aux"));
    }

    [Fact]
    public void LoadedWeightsGiveThePyTorchOutputInEval()
    {
        // Tolerance 1e-5 relative + 1e-6 absolute (float32 convolutions and batch norm).
        using var fx = Fixtures.Load("nn", "nested_model.safetensors");
        using var net = MakeNet();
        var weights = fx.Tensors.Where(kv => kv.Key.StartsWith("state.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key["state.".Length..], kv => kv.Value);
        var report = net.LoadStateDict(weights);
        Assert.True(report.IsExactMatch);
        net.Eval();
        using var y = net.Call(fx.Tensors["input"]);
        NnAssert.Close(fx.Tensors["output"], y, 1e-5, 1e-6, "output");
        var bn = (BatchNorm2d)net.GetSubmodule("stem.1");
        Assert.Equal(3L, bn.NumBatchesTracked!.Item<long>());
    }

    private static Sequential SmallModel(Generator g) => new(new Linear(3, 2, generator: g), new BatchNorm1d(2));

    [Fact]
    public void StrictLoadListsMissingUnexpectedAndWronglyShapedKeysAndLoadsNothing()
    {
        using var g = new Generator(2);
        using var model = SmallModel(g);
        using var weight = Tensor.Full([2, 3], 7.0);
        using var badShape = Tensor.Zeros(3);
        using var extra = Tensor.Zeros(1);
        using var mean = Tensor.Ones(2);
        var state = new Dictionary<string, Tensor>
        {
            ["0.weight"] = weight,            // "0.bias" is missing
            ["1.weight"] = badShape,          // [3] instead of [2]
            ["1.bias"] = mean,
            ["1.running_mean"] = mean,
            ["1.running_var"] = mean,
            ["1.num_batches_tracked"] = Tensor.FromScalar(4L),
            ["head.fc.weight"] = extra,       // unexpected
        };
        using var before = ((Linear)model[0]).Weight.Clone();
        var e = Assert.Throws<StateDictMismatchException>(() => model.LoadStateDict(state));
        Assert.Equal(new[] { "0.bias" }, e.Report.Missing);
        Assert.Equal(new[] { "head.fc.weight" }, e.Report.Unexpected);
        var wrong = Assert.Single(e.Report.WrongShape);
        Assert.Equal("1.weight", wrong.Key);
        Assert.Equal(new long[] { 2 }, wrong.Expected);
        Assert.Equal(new long[] { 3 }, wrong.Found);
        Assert.Contains("1 missing, 1 unexpected, 1 wrongly shaped", e.Message);
        Assert.Contains("missing:     0.bias", e.Message);
        Assert.Contains("unexpected:  head.fc.weight", e.Message);
        Assert.Contains("wrong shape: 1.weight: expected [2], found [3]", e.Message);
        Assert.True(before.Equal(((Linear)model[0]).Weight), "a strict load that fails changes nothing");

        var report = model.LoadStateDict(state, strict: false);
        Assert.Equal(e.Report.Missing, report.Missing);
        Assert.Equal(e.Report.Unexpected, report.Unexpected);
        Assert.Equal(new[] { 7f, 7f, 7f, 7f, 7f, 7f }, ((Linear)model[0]).Weight.ToArray<float>());
        var bn = (BatchNorm1d)model[1];
        Assert.Equal(new[] { 1f, 1f }, bn.RunningMean!.ToArray<float>());
        Assert.Equal(4L, bn.NumBatchesTracked!.Item<long>());
        Assert.Equal(new[] { 1f, 1f }, bn.Weight!.ToArray<float>()); // the wrongly shaped key was skipped
    }

    [Fact]
    public void MissingNumBatchesTrackedLoadsAsZeroAsPyTorch()
    {
        using var g = new Generator(3);
        using var model = SmallModel(g);
        var bn = (BatchNorm1d)model[1];
        bn.NumBatchesTracked!.Fill_(5);
        var state = model.StateDict();
        state.Remove("1.num_batches_tracked", out var removed);
        removed!.Dispose();
        var report = model.LoadStateDict(state);
        Assert.True(report.IsExactMatch);
        Assert.Equal(0L, bn.NumBatchesTracked!.Item<long>());
        foreach (var t in state.Values) t.Dispose();
    }

    [Fact]
    public void OneElementVectorLoadsIntoAScalarEntry()
    {
        using var g = new Generator(3);
        using var model = SmallModel(g);
        var state = model.StateDict();
        state["1.num_batches_tracked"].Dispose();
        state["1.num_batches_tracked"] = Tensor.FromArray(new long[] { 9 });
        Assert.True(model.LoadStateDict(state).IsExactMatch);
        Assert.Equal(9L, ((BatchNorm1d)model[1]).NumBatchesTracked!.Item<long>());
        foreach (var t in state.Values) t.Dispose();
    }

    [Fact]
    public void TrainAndEvalPropagateToEveryDescendant()
    {
        using var net = MakeNet();
        Assert.All(net.NamedModules(), m => Assert.True(m.Module.Training));
        net.Eval();
        Assert.All(net.NamedModules(), m => Assert.False(m.Module.Training, m.Path));
        net.GetSubmodule("blocks").Train();
        Assert.True(net.GetSubmodule("blocks.1.bn").Training);
        Assert.False(net.GetSubmodule("stem.1").Training);
        net.Train();
        Assert.All(net.NamedModules(), m => Assert.True(m.Module.Training, m.Path));
    }

    [Fact]
    public void ForwardHooksReadAndReplaceOutputsAndAreRemovedOnDispose()
    {
        using var g = new Generator(4);
        using var model = new Sequential(new Linear(3, 4, generator: g), new ReLU(), new Linear(4, 2, generator: g));
        using var x = Tensor.Ones(2, 3);
        using var plain = model.Call(x);

        Tensor? seen = null;
        var calls = 0;
        var hook = model[1].RegisterForwardHook((module, input, output) =>
        {
            calls++;
            seen?.Dispose();
            seen = output.Alias();
            return output * 0; // replaces the ReLU's output
        });
        using (var hooked = model.Call(x))
        {
            Assert.Equal(1, calls);
            Assert.NotNull(seen);
            Assert.Equal(new long[] { 2, 4 }, seen!.Shape);
            using var first = ((Linear)model[0]).Forward(x);
            using var relu = first.Relu();
            Assert.True(relu.Equal(seen), "the hook saw the ReLU output");
            using var bias = ((Linear)model[2]).Bias!.Expand(2, 2);
            Assert.True(hooked.AllClose(bias), "zeroed activations leave only the last bias");
        }
        hook.Dispose();
        using (var after = model.Call(x))
        {
            Assert.Equal(1, calls);
            Assert.True(after.Equal(plain));
        }
        hook.Dispose(); // removing twice is harmless

        using var pre = model[0].RegisterForwardPreHook((module, input) => input * 0);
        using var zeroInput = model.Call(x);
        using var zeros = Tensor.Zeros(2, 3);
        using var expected = model.Call(zeros);
        Assert.True(zeroInput.Equal(expected));
        Assert.False(x.IsDisposed);
        seen?.Dispose();
    }

    [Fact]
    public void ToFloat64ConvertsParametersInPlace()
    {
        using var net = MakeNet();
        var conv = (Conv2d)net.GetSubmodule("stem.0");
        var weight = conv.Weight;
        using var before = weight.To(ScalarType.Float64);
        using (var loss = net.Call(Tensor.Ones(2, 3, 8, 8)).Sum()) loss.Backward();
        net.To(ScalarType.Float64);
        Assert.Same(weight, conv.Weight);
        Assert.All(net.Parameters(), p => Assert.Equal(ScalarType.Float64, p.DType));
        Assert.All(net.Parameters(), p => Assert.True(p.RequiresGrad));
        Assert.True(before.Equal(weight));
        using (var grad = weight.Grad) Assert.Equal(ScalarType.Float64, grad!.DType);
        var bn = (BatchNorm2d)net.GetSubmodule("stem.1");
        Assert.Equal(ScalarType.Float64, bn.RunningVar!.DType);
        Assert.Equal(ScalarType.Int64, bn.NumBatchesTracked!.DType);
        net.Eval();
        using var x = Tensor.Ones([2, 3, 8, 8], ScalarType.Float64);
        using var y = net.Call(x);
        Assert.Equal(ScalarType.Float64, y.DType);
        Assert.Equal(new long[] { 2, 2 }, y.Shape);
    }

    [Fact]
    public void ChannelsLastKeepsValuesObjectsGradientsAndStateDict()
    {
        using var fx = Fixtures.Load("nn", "nested_model.safetensors");
        using var net = MakeNet();
        var weights = fx.Tensors.Where(kv => kv.Key.StartsWith("state.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key["state.".Length..], kv => kv.Value);
        net.LoadStateDict(weights);
        var conv = (Conv2d)net.GetSubmodule("stem.0");
        var weight = conv.Weight;
        Assert.False(weight.IsChannelsLast);
        using (var loss = net.Call(fx.Tensors["input"]).Sum()) loss.Backward();
        var before = net.StateDict();
        using var gradBefore = weight.Grad!.Clone();
        net.Eval();
        using var nchwOutput = net.Call(fx.Tensors["input"]);

        net.ToChannelsLast();

        Assert.Same(weight, conv.Weight);
        Assert.True(weight.IsChannelsLast);
        Assert.False(weight.IsContiguous);
        Assert.True(weight.RequiresGrad);
        using (var grad = weight.Grad) Assert.True(grad!.IsChannelsLast && grad.Equal(gradBefore));
        // 1-D and 2-D parameters and buffers are left as they were.
        Assert.All(net.Parameters().Where(p => p.Dim != 4), p => Assert.True(p.IsContiguous));
        var after = net.StateDict();
        foreach (var (key, t) in before)
        {
            Assert.True(t.Equal(after[key]), key);
            Assert.Equal(t.ToBytes(), after[key].ToBytes());   // checkpoints are written in row-major order either way
        }
        foreach (var t in before.Values.Concat(after.Values)) t.Dispose();

        // The same output in eval as before the conversion, from NCHW and from channels-last inputs, within float32 rounding.
        using var input = fx.Tensors["input"].ToChannelsLast();
        using (var y = net.Call(input)) NnAssert.Close(nchwOutput, y, 1e-5, 1e-6, "channels-last output");
        using (var y = net.Call(fx.Tensors["input"])) NnAssert.Close(nchwOutput, y, 1e-5, 1e-6, "output of NCHW input");

        // Converting twice changes nothing; an optimiser built before steps the same parameter objects.
        net.ToChannelsLast();
        Assert.Same(weight, conv.Weight);
        net.Train();
        using var sgd = new Ocular.Torch.Optim.Sgd(net.Parameters(), lr: 0.1, momentum: 0.9);
        using var w0 = weight.Clone();
        sgd.ZeroGrad();
        using (var loss = net.Call(input).Sum()) loss.Backward();
        using var g = weight.Grad!;
        sgd.Step();
        using var expected = w0 - g * 0.1;
        NnAssert.Close(expected, weight, 1e-6, 1e-7, "stepped weight");
        Assert.True(weight.IsChannelsLast);
    }

    // A 1×1 kernel stored row-major ([8, 1, 1, 1] strides) is also "contiguous channels-last"; convolutions read the layout
    // from the strides, so it must be restrided as PyTorch's to(memory_format=torch.channels_last) does: (8, 1, 8, 8).
    [Fact]
    public void OneByOneKernelsAreRestridedAsPyTorchDoes()
    {
        using var conv = new Conv2d(8, 4, 1);
        Assert.Equal(new long[] { 8, 1, 1, 1 }, conv.Weight.Strides);
        Assert.True(conv.Weight.IsChannelsLast);   // ambiguous: both layouts
        conv.ToChannelsLast();
        Assert.Equal(new long[] { 8, 1, 8, 8 }, conv.Weight.Strides);   // PyTorch 1.13: (8, 1, 8, 8)
        using var x = Tensor.Randn([2, 3, 4, 5]);
        using var y = x.ToChannelsLast();
        Assert.Equal(new long[] { 60, 1, 15, 3 }, y.Strides);
        using var again = y.ToChannelsLast();
        again.Fill_(2.0);
        using var total = y.Sum();
        Assert.Equal(2f * y.NumEl, total.Item<float>());   // already channels-last: the same storage, no copy
    }

    [Fact]
    public void UnknownLayerPathListsTheValidOnes()
    {
        using var net = MakeNet();
        Assert.IsType<BatchNorm2d>(net.GetSubmodule("blocks.1.bn"));
        var e = Assert.Throws<UnknownLayerException>(() => net.GetSubmodule("blocks.2.conv"));
        Assert.Equal("blocks.2.conv", e.Path);
        Assert.Contains("blocks.1.conv", e.ValidPaths);
        Assert.Contains("head.6", e.ValidPaths);
        Assert.Contains("unknown layer 'blocks.2.conv' in NestedNet; valid layers: stem, stem.0,", e.Message);
    }

    [Fact]
    public void DropoutIsTheIdentityInEval()
    {
        using var dropout = new Dropout(0.5);
        dropout.Eval();
        using var x = Tensor.Arange(12.0).Reshape(3, 4);
        using var y = dropout.Call(x);
        Assert.NotSame(x, y);
        Assert.True(y.Equal(x));
    }

    [Fact]
    public void ModuleZeroGradClearsGradientsAndRequiresGradFreezes()
    {
        using var g = new Generator(5);
        using var model = SmallModel(g);
        using (var loss = model.Call(Tensor.Ones(4, 3)).Sum()) loss.Backward();
        Assert.All(model.Parameters(), p => { using var grad = p.Grad; Assert.NotNull(grad); });
        model.ZeroGrad();
        Assert.All(model.Parameters(), p => Assert.Null(p.Grad));
        model.RequiresGrad_(false);
        Assert.All(model.Parameters(), p => Assert.False(p.RequiresGrad));
    }

    [Fact]
    public void SimpleLayersComputeWhatTheyAreNamedFor()
    {
        using var x = Tensor.FromArray(new float[] { -1, 2, -3, 4, 5, -6, 7, -8 }, 1, 2, 2, 2);
        using (var relu = new ReLU().Call(x)) Assert.Equal(new float[] { 0, 2, 0, 4, 5, 0, 7, 0 }, relu.ToArray<float>());
        using (var flat = new Flatten().Call(x)) Assert.Equal(new long[] { 1, 8 }, flat.Shape);
        using (var id = new Identity().Call(x)) Assert.True(id.Equal(x));
        using (var max = new MaxPool2d(2).Call(x)) Assert.Equal(new float[] { 4, 7 }, max.ToArray<float>());
        using (var avg = new AvgPool2d(2).Call(x)) Assert.Equal(new float[] { 0.5f, -0.5f }, avg.ToArray<float>());
        using (var adaptive = new AdaptiveAvgPool2d(1).Call(x)) Assert.Equal(new long[] { 1, 2, 1, 1 }, adaptive.Shape);
        using (var sig = new Sigmoid().Call(x)) Assert.Equal(1 / (1 + Math.Exp(1)), sig.ToArray<float>()[0], 6);
        using var empty = new Sequential();
        using var same = empty.Call(x);
        Assert.NotSame(x, same);
        Assert.True(same.Equal(x));
    }
}
