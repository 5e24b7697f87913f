using Ocular.Torch;
using Ocular.Torch.Nn;
using Ocular.Vision.Models;

namespace Ocular.Vision.Tests;

/// <summary>
/// Every architecture against torchvision (or the fixture script's transcription of bearpaw's CIFAR
/// ResNet and of the compact CNN): state-dict names, order, shapes and dtypes; module paths;
/// parameter counts; and, with weights and input set by <see cref="ModelFormula"/>, the logits and
/// the first channels of a few activations in eval mode. Tolerance (float32):
/// |Δ| ≤ 1e-4·|expected| + 1e-4·max|expected| per tensor.
/// </summary>
public class ModelZooTests
{
    public static TheoryData<string> Cases => new(
        "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
        "vgg11", "vgg13", "vgg16", "vgg19", "vgg11_bn", "vgg13_bn", "vgg16_bn", "vgg19_bn",
        "alexnet", "cifar_resnet20", "cifar_resnet56", "compact_cnn", "compact_cnn_gray");

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTorchvision(string fixture)
    {
        var spec = ArchitectureSpec.Get(fixture);
        using var model = ModelZoo.Create(spec.Architecture, inChannels: spec.InChannels);
        model.Eval();

        var state = model.StateDict();
        try
        {
            var actual = state.Select(kv => (kv.Key, kv.Value.Shape, kv.Value.DType.TorchName())).ToArray();
            Assert.Equal(spec.StateDict.Select(s => s.Key), actual.Select(s => s.Key));
            for (var i = 0; i < actual.Length; i++)
            {
                Assert.True(spec.StateDict[i].Shape.SequenceEqual(actual[i].Shape), $"{actual[i].Key}: shape {Tensor.ShapeString(actual[i].Shape)}, torchvision {Tensor.ShapeString(spec.StateDict[i].Shape)}");
                Assert.Equal(spec.StateDict[i].DType, actual[i].Item3);
            }
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
        Assert.Equal(spec.Modules, model.LayerPaths);
        Assert.Equal(spec.NumParams, model.Parameters().Sum(p => p.NumEl));
        Assert.Equal(spec.NumParams, ModelZoo.Describe(spec.Architecture).ParameterCount(inChannels: spec.InChannels));

        ModelFormula.Apply(model);
        using var expected = Fixtures.Load("models", fixture + ".safetensors");
        using var x = ModelFormula.Input(2, spec.InChannels, spec.InputSize);
        using var capture = LayerCapture.Attach(model, spec.Layers, gradients: false);
        using (Autograd.NoGrad())
        {
            using var logits = model.Call(x);
            TensorAssert.Close(expected.Tensors["logits"], logits, what: fixture + " logits");
        }
        foreach (var layer in spec.Layers)
        {
            var activation = capture.Activation(layer);
            using var slice = activation.Narrow(1, 0, Math.Min(8, activation.Size(1)));
            TensorAssert.Close(expected.Tensors["act." + layer], slice, what: $"{fixture} {layer}");
        }
    }

    [Fact]
    public void WeightFormulaEqualsTheFixtureScript()
    {
        using var expected = Fixtures.Load("models", "formula.safetensors");
        (string Key, long[] Shape)[] entries = [("a.weight", [6, 3, 2, 2]), ("a.bias", [6]), ("bn.weight", [5]), ("bn.running_mean", [5]), ("bn.running_var", [5])];
        for (var k = 0; k < entries.Length; k++)
        {
            using var value = ModelFormula.Entry(entries[k].Key, entries[k].Shape, k);
            Assert.Equal(expected.Tensors[$"{k}.{entries[k].Key}"].ToArray<float>(), value.ToArray<float>());
        }
        using var input = ModelFormula.Input(2, 3, 5);
        Assert.Equal(expected.Tensors["input"].ToArray<float>(), input.ToArray<float>());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RegistryDescribesTheModel(string fixture)
    {
        var spec = ArchitectureSpec.Get(fixture);
        var info = ModelZoo.Describe(spec.Architecture);
        // The module paths come from the fixture, so no model needs to be built here.
        Assert.Contains(info.DefaultLayer, spec.Modules);
        if (info.CamLayer is not null) Assert.Contains(info.CamLayer, spec.Modules);
        Assert.Equal(spec.Architecture, info.Name);
        // The keys that tell a state dict's classes and input channels: the head is the last weight,
        // the first convolution the first 4-D weight of torchvision's state dict.
        var weights = spec.StateDict.Where(e => e.Key.EndsWith(".weight", StringComparison.Ordinal)).ToList();
        Assert.Equal(info.HeadPath + ".weight", weights[^1].Key);
        Assert.Equal(2, weights[^1].Shape.Length);
        var firstConv = weights.First(e => e.Shape.Length == 4);
        Assert.Equal(info.FirstConvPath + ".weight", firstConv.Key);
        Assert.Equal(spec.InChannels, firstConv.Shape[1]);
    }

    [Theory]
    [InlineData("resnet18", 1000, 224, "layer4", "layer4")]
    [InlineData("cifar_resnet20", 10, 32, "layer3", "layer3")]
    [InlineData("compact_cnn", 10, 64, "block4", "block4")]
    public void SmallModelsStateTheirMetadata(string name, int classes, int inputSize, string layer, string cam)
    {
        using var model = ModelZoo.Create(name);
        Assert.Equal(name, model.Architecture);
        Assert.Equal(classes, model.NumClasses);
        Assert.Equal(inputSize, model.DefaultInputSize);
        Assert.Equal(layer, model.DefaultLayer);
        Assert.Equal(cam, model.CamLayer);
        Assert.Equal(ModelZoo.Describe(name).DefaultLayer, model.DefaultLayer);
        // CAM's layer is followed by global average pooling and the linear head only.
        var split = model.Split(cam);
        Assert.Equal(["avgpool", "flatten", "fc"], split.Head.Stages.Select(s => s.Name));
        Assert.Same(model.Head, model.GetSubmodule("fc"));
    }

    [Theory]
    [InlineData("vgg11", "features.19", 21)]
    [InlineData("vgg16", "features.29", 31)]
    [InlineData("vgg16_bn", "features.42", 44)]
    [InlineData("vgg19_bn", "features.51", 53)]
    public void VggDefaultLayerIsTheLastReluBeforeTheLastPool(string name, string layer, int features)
    {
        var info = ModelZoo.Describe(name);
        Assert.Equal(layer, info.DefaultLayer);
        Assert.Null(info.CamLayer);
        var modules = ArchitectureSpec.Get(name).Modules;
        Assert.Contains($"features.{features - 1}", modules);
        Assert.DoesNotContain($"features.{features}", modules);
    }

    [Fact]
    public void AlexNetDefaultLayerIsTheReluAfterConv5()
    {
        using var model = ModelZoo.Create("alexnet", numClasses: 3);
        Assert.Equal("features.11", model.DefaultLayer);
        Assert.IsType<ReLU>(model.GetSubmodule("features.11"));
        Assert.IsType<Conv2d>(model.GetSubmodule("features.10"));
        Assert.IsType<MaxPool2d>(model.GetSubmodule("features.12"));
        Assert.Null(model.CamLayer);
        Assert.Equal("classifier.6", model.HeadPath);
    }

    [Fact]
    public void RegistryListsEveryArchitecture()
    {
        string[] expected =
        [
            "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
            "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn", "alexnet",
            "cifar_resnet20", "cifar_resnet32", "cifar_resnet44", "cifar_resnet56", "cifar_resnet110", "compact_cnn",
            "lficam_resnet18", "lficam_resnet50", "lficam_cifar_resnet20", "lficam_cifar_resnet110", "lficam_compact_cnn",
            "abn_resnet18", "abn_resnet50", "abn_cifar_resnet20", "abn_cifar_resnet110", "abn_compact_cnn",
            "lvw_resnet34", "lvw_resnet18", "lvw_compact_cnn", "protopnet_resnet34", "protopnet_vgg19", "protopnet_compact_cnn",
        ];
        Assert.Equal(expected, ModelZoo.Names);
        Assert.Equal(25_557_032, ModelZoo.Describe("resnet50").ParameterCount());   // torchvision's documented num_params
        Assert.Equal(138_357_544, ModelZoo.Describe("vgg16").ParameterCount());
        Assert.Equal(61_100_840, ModelZoo.Describe("alexnet").ParameterCount());
        Assert.True(ModelZoo.IsKnown("cifar_resnet1202"));
        Assert.True(ModelZoo.IsKnown("ResNet18"));
        Assert.True(ModelZoo.IsKnown("lficam_resnet152_stem2"));
        Assert.True(ModelZoo.IsKnown("abn_cifar_resnet1202"));
        Assert.True(ModelZoo.IsKnown("protopnet_cifar_resnet1202_w10_d64"));
    }

    [Theory]
    [InlineData("resnet19")]
    [InlineData("cifar_resnet21")]
    [InlineData("cifar_resnet")]
    [InlineData("cifar_resnet020")]
    [InlineData("")]
    public void UnknownNameListsTheValidOnes(string name)
    {
        var e = Assert.Throws<UnknownArchitectureException>(() => ModelZoo.Create(name));
        Assert.Contains($"'{name}'", e.Message);
        Assert.Contains("resnet18", e.Message);
        Assert.Contains("vgg16_bn", e.Message);
        Assert.Contains("compact_cnn", e.Message);
        Assert.Contains("6n + 2", e.Message);
    }

    [Fact]
    public void CifarResNetDepthRule()
    {
        // Bottleneck from depth 44: "ResNet-110" has 18 bottlenecks per stage (lfi-cam.md §2.4).
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new CifarResNet(21));
        Assert.Contains("6n + 2", e.Message);
        Assert.Equal(ResidualBlockKind.Basic, CifarResNet.BlockFor(32));
        Assert.Equal(ResidualBlockKind.Bottleneck, CifarResNet.BlockFor(44));
        using var model = (CifarResNet)ModelZoo.Create("cifar_resnet110", numClasses: 100);
        Assert.Equal(ResidualBlockKind.Bottleneck, model.Block);
        Assert.Equal(18, ((Sequential)model.GetSubmodule("layer3")).Count);
        Assert.IsType<Bottleneck>(model.GetSubmodule("layer3.17"));
        Assert.Equal([100L, 256L], model.Head.Weight.Shape);
        Assert.Equal(ModelZoo.Describe("cifar_resnet110").ParameterCount(100), model.Parameters().Sum(p => p.NumEl));
    }

    [Fact]
    public void InputChannelsAndClassesAreConfigurable()
    {
        using var model = ModelZoo.Create("resnet18", numClasses: 7, inChannels: 1);
        Assert.Equal(1, model.InChannels);
        Assert.Equal([64L, 1, 7, 7], ((Conv2d)model.GetSubmodule("conv1")).Weight.Shape);
        Assert.Equal(7, model.NumClasses);
        model.Eval();
        using var x = Tensor.Zeros(2, 1, 32, 32);
        using var logits = model.Call(x);
        Assert.Equal([2L, 7], logits.Shape);
        Assert.Equal(ModelZoo.Describe("resnet18").ParameterCount(7, 1), model.Parameters().Sum(p => p.NumEl));
    }

    [Fact]
    public void ReplaceHeadChangesTheLinearLayerOnly()
    {
        using var model = ModelZoo.Create("resnet18");
        var conv1 = model.GetSubmodule("conv1");
        var oldHead = model.Head;
        model.ReplaceHead(5);
        Assert.True(oldHead.Weight.IsDisposed);
        Assert.Equal([5L, 512], model.Head.Weight.Shape);
        Assert.Equal(5, model.NumClasses);
        Assert.Same(conv1, model.GetSubmodule("conv1"));
        Assert.Equal("fc.weight", model.NamedParameters().Select(p => p.Path).Reverse().Skip(1).First());
        // PyTorch's default Linear initialisation: U(±1/√512).
        var bound = 1 / Math.Sqrt(512);
        using var magnitude = model.Head.Weight.Abs();
        using var largest = magnitude.Max();
        Assert.True(largest.Item<float>() <= bound);
        model.Eval();
        using var x = Tensor.Zeros(1, 3, 32, 32);
        using var logits = model.Call(x);
        Assert.Equal([1L, 5], logits.Shape);
    }

    [Fact]
    public void ReplaceHeadInsideTheClassifierSequential()
    {
        using var model = ModelZoo.Create("alexnet");
        var fc1 = model.GetSubmodule("classifier.1");
        model.ReplaceHead(3);
        Assert.Equal([3L, 4096], model.Head.Weight.Shape);
        Assert.Same(model.Head, model.GetSubmodule("classifier.6"));
        Assert.Same(fc1, model.GetSubmodule("classifier.1"));
        Assert.Equal(ModelZoo.Describe("alexnet").ParameterCount(3), model.Parameters().Sum(p => p.NumEl));
        model.Eval();
        using var x = Tensor.Zeros(2, 3, 63, 63);
        using var logits = model.Call(x);
        Assert.Equal([2L, 3], logits.Shape);
    }
}
