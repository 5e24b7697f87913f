using Ocular.Torch;
using Ocular.Torch.Nn;
using Ocular.Vision.Models;

namespace Ocular.Vision.Tests;

/// <summary>
/// Layer capture against PyTorch's forward hooks and retained gradients (capture.safetensors):
/// a ResNet-18 (layer4, layer3.1, and layer4.1.bn2, which the block's in-place add and ReLU
/// overwrite) and a VGG-16 (features.29; features.28, the convolution the in-place ReLU overwrites;
/// features.10), with formula weights, the gradient of the sum of each image's maximum logit.
/// Tolerance (float32): |Δ| ≤ 1e-4·|expected| + 1e-4·max|expected|.
/// </summary>
public class LayerCaptureTests
{
    public static TheoryData<string, int> Cases => new() { { "resnet18", 64 }, { "vgg16", 32 } };

    private static readonly Dictionary<string, string[]> Layers = new()
    {
        ["resnet18"] = ["layer4", "layer3.1", "layer4.1.bn2"],
        ["vgg16"] = ["features.29", "features.28", "features.10"],
    };

    private static Tensor Slice(Tensor t) => t.Narrow(1, 0, Math.Min(8, t.Size(1)));

    private static Tensor MaxLogitSum(Tensor logits)
    {
        var (values, indices) = logits.Max(1);
        indices.Dispose();
        using (values) return values.Sum();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ActivationsAndGradientsEqualPyTorch(string arch, int size)
    {
        using var expected = Fixtures.Load("models", "capture.safetensors");
        using var model = ModelZoo.Create(arch);
        model.Eval();
        ModelFormula.Apply(model);
        using var x = ModelFormula.Input(2, 3, size);
        if (arch == "vgg16")
        {
            // Frozen weights and an input that requires grad give the same activation gradients,
            // without computing the 4096×25088 weight gradient of classifier.0.
            model.RequiresGrad_(false);
            x.RequiresGrad_();
        }

        // Retained gradients after Backward(), as output.retain_grad() in a PyTorch hook.
        using (var capture = LayerCapture.Attach(model, Layers[arch]))
        {
            using var logits = model.Call(x);
            TensorAssert.Close(expected.Tensors[$"{arch}.logits"], logits, what: "logits");
            using var score = MaxLogitSum(logits);
            score.Backward();
            foreach (var layer in Layers[arch])
            {
                using var a = Slice(capture.Activations[layer]);
                using var g = Slice(capture.Gradients[layer]);
                TensorAssert.Close(expected.Tensors[$"{arch}.act.{layer}"], a, what: $"{arch} activation {layer}");
                TensorAssert.Close(expected.Tensors[$"{arch}.grad.{layer}"], g, what: $"{arch} gradient {layer}");
            }
            Assert.Equal(Layers[arch], capture.Activations.Keys);
        }

        // torch.autograd.grad on the captured activations gives the same gradients, and leaves the parameters' .grad alone.
        model.ZeroGrad();
        using (var capture = LayerCapture.Attach(model, Layers[arch]))
        {
            using var logits = model.Call(x);
            using var score = MaxLogitSum(logits);
            capture.ComputeGradients(score);
            foreach (var layer in Layers[arch])
            {
                using var g = Slice(capture.Gradients[layer]);
                TensorAssert.Close(expected.Tensors[$"{arch}.grad.{layer}"], g, what: $"{arch} autograd.grad {layer}");
            }
            Assert.All(model.Parameters(), p => Assert.Null(p.Grad));
        }
    }

    [Fact]
    public void InPlaceReluOverwritesTheHookedConvolutionOutputAsInPyTorch()
    {
        // features.28 (conv5_3) is followed by ReLU(inplace=True): its captured output is non-negative.
        using var expected = Fixtures.Load("models", "capture.safetensors");
        var conv = expected.Tensors["vgg16.act.features.28"];
        using var min = conv.Min();
        Assert.Equal(0f, min.Item<float>());
        var relu = expected.Tensors["vgg16.act.features.29"];
        Assert.True(conv.Equal(relu));
    }

    [Fact]
    public void UnknownLayerListsTheValidPaths()
    {
        using var model = ModelZoo.Create("compact_cnn");
        var e = Assert.Throws<UnknownLayerException>(() => LayerCapture.Attach(model, "block4", "block9"));
        Assert.Equal("block9", e.Path);
        Assert.Contains("block4.0", e.ValidPaths);
        Assert.Contains("block3.1", e.Message);
        Assert.Contains("fc", e.Message);
        Assert.Throws<ArgumentException>(() => LayerCapture.Attach(model, ""));
    }

    [Fact]
    public void GradientWithoutRecordingExplainsWhatToDo()
    {
        using var model = ModelZoo.Create("compact_cnn");
        model.Eval();
        using var x = Tensor.Zeros(1, 3, 32, 32);
        using var capture = LayerCapture.Attach(model, "block4");
        using (Autograd.NoGrad())
        {
            using var logits = model.Call(x);
        }
        Assert.Equal([1L, 128, 8, 8], capture.Activations["block4"].Shape);
        var e = Assert.Throws<InvalidOperationException>(() => capture.Gradients["block4"]);
        Assert.Contains("without gradient recording", e.Message);
        Assert.Contains("NoGrad", e.Message);
        Assert.Contains("RequiresGrad_", e.Message);
        Assert.False(capture.Gradients.ContainsKey("block4"));
    }

    [Fact]
    public void FrozenModelNeedsAnInputThatRequiresGrad()
    {
        using var model = ModelZoo.Create("compact_cnn");
        model.Eval().RequiresGrad_(false);
        using var capture = LayerCapture.Attach(model, "block3", "block4");
        using (var x = Tensor.Zeros(1, 3, 16, 16))
        using (var logits = model.Call(x))
            Assert.Throws<InvalidOperationException>(() => capture.Gradient("block3"));

        using var input = Tensor.Ones([1, 3, 16, 16], ScalarType.Float32, requiresGrad: true);
        using var output = model.Call(input);
        using var score = output.Sum();
        capture.ComputeGradients(score);
        Assert.Equal([1L, 64, 4, 4], capture.Gradient("block3").Shape);
        Assert.Equal([1L, 128, 4, 4], capture.Gradient("block4").Shape);
    }

    [Fact]
    public void GradientBeforeBackwardAndUncapturedLayersAreClearErrors()
    {
        using var model = ModelZoo.Create("compact_cnn");
        using var capture = LayerCapture.Attach(model, "block4");
        Assert.Contains("run the model's forward pass", Assert.Throws<InvalidOperationException>(() => capture.Activation("block4")).Message);
        using var x = Tensor.Zeros(2, 3, 16, 16);
        using var logits = model.Call(x);
        Assert.Contains("Backward()", Assert.Throws<InvalidOperationException>(() => capture.Gradient("block4")).Message);
        Assert.Contains("not captured", Assert.Throws<KeyNotFoundException>(() => capture.Activation("block3")).Message);
    }

    [Fact]
    public void ActivationsOnlyCaptureRetainsNoGradient()
    {
        using var model = ModelZoo.Create("compact_cnn");
        using var capture = LayerCapture.Attach(model, ["block4"], gradients: false);
        using var x = Tensor.Zeros(2, 3, 16, 16);
        using var logits = model.Call(x);
        using var score = logits.Sum();
        score.Backward();
        Assert.Contains("without gradients", Assert.Throws<InvalidOperationException>(() => capture.Gradient("block4")).Message);
    }

    [Fact]
    public void NewForwardReplacesAndDisposeReleasesEverything()
    {
        using var model = ModelZoo.Create("compact_cnn");
        model.Eval();
        using var x = Tensor.Zeros(1, 3, 16, 16);
        var capture = LayerCapture.Attach(model, "block2", "fc");
        Tensor first;
        using (var logits = model.Call(x)) first = capture.Activation("block2");
        using (var logits = model.Call(x))
        {
            Assert.True(first.IsDisposed);
            using var score = logits.Sum();
            score.Backward();
        }
        var second = capture.Activation("block2");
        var gradient = capture.Gradient("block2");
        capture.Dispose();
        Assert.True(second.IsDisposed);
        Assert.True(gradient.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => capture.Activation("block2"));

        // The hooks are gone: a forward pass runs without them.
        using (var logits = model.Call(x)) Assert.Equal([1L, 10], logits.Shape);
    }

    [Fact]
    public void ScopeOfTheForwardPassDoesNotFreeTheCapture()
    {
        using var model = ModelZoo.Create("compact_cnn");
        model.Eval();
        using var capture = LayerCapture.Attach(model, "block4");
        using (var scope = DisposeScope.Enter())
        {
            using var x = Tensor.Zeros(1, 3, 16, 16);
            model.Call(x);
        }
        Assert.False(capture.Activation("block4").IsDisposed);
        Assert.Equal([1L, 128, 4, 4], capture.Activation("block4").Shape);
    }

    [Fact]
    public void InferenceModeCapturesActivations()
    {
        using var model = ModelZoo.Create("cifar_resnet20");
        model.Eval();
        using var capture = LayerCapture.Attach(model, "layer2.2", "layer3");
        using (Autograd.InferenceMode())
        {
            using var x = Tensor.Zeros(2, 3, 32, 32);
            using var logits = model.Call(x);
        }
        Assert.Equal([2L, 32, 16, 16], capture.Activation("layer2.2").Shape);
        Assert.Equal([2L, 64, 8, 8], capture.Activation("layer3").Shape);
    }
}
