using Ocular.Torch;
using Ocular.Torch.Nn;
using Ocular.Vision.Models;

namespace Ocular.Vision.Tests;

/// <summary>
/// Default initialisation: with the same seed, the zoo draws exactly the numbers torchvision (and
/// bearpaw's CIFAR ResNet) draw — same layers, same construction and re-initialisation order, same
/// formulas — checked by per-tensor sums, sums of squares and first elements; and the statistics
/// are the documented ones. Uses the global generator, hence the collection.
/// </summary>
[Collection(GlobalStateCollection.Name)]
public class InitTests
{
    [Theory]
    [InlineData("resnet18")]
    [InlineData("vgg11_bn")]
    [InlineData("alexnet")]
    [InlineData("cifar_resnet20")]
    [InlineData("cifar_resnet44")]
    [InlineData("compact_cnn")]
    public void SeededInitialisationEqualsPyTorch(string name)
    {
        using var expected = Fixtures.Load("models", "init.safetensors");
        Engine.ManualSeed(0);
        using var model = ModelZoo.Create(name);
        var state = model.StateDict();
        try
        {
            var floats = state.Where(kv => kv.Value.DType.IsFloatingPoint()).ToArray();
            var sums = expected.Tensors[name + ".sum"].ToArray<double>();
            var squares = expected.Tensors[name + ".sumsq"].ToArray<double>();
            var heads = expected.Tensors[name + ".head"];
            Assert.Equal(sums.Length, floats.Length);
            for (var i = 0; i < floats.Length; i++)
            {
                var (key, t) = floats[i];
                using var d = t.To(ScalarType.Float64);
                using var sum = d.Sum();
                using var sq = d.Square();
                using var sumSq = sq.Sum();
                Assert.True(Math.Abs(sum.Item<double>() - sums[i]) <= 1e-6 * Math.Max(1, Math.Abs(sums[i])) + 1e-9 * t.NumEl, $"{name} {key}: sum {sum.Item<double>()}, PyTorch {sums[i]}");
                Assert.True(Math.Abs(sumSq.Item<double>() - squares[i]) <= 1e-6 * squares[i] + 1e-12, $"{name} {key}: sum of squares {sumSq.Item<double>()}, PyTorch {squares[i]}");
                using var flat = t.Flatten();
                using var first = flat.Narrow(0, 0, Math.Min(4, t.NumEl));
                using var row = heads.Select(0, i);
                using var firstExpected = row.Narrow(0, 0, first.NumEl);
                Assert.Equal(firstExpected.ToArray<float>(), first.ToArray<float>());
            }
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    [Fact]
    public void ConvolutionsFollowKaimingFanOutAndBatchNormIsOneZero()
    {
        Engine.ManualSeed(1);
        using var model = ModelZoo.Create("resnet18");
        var conv = (Conv2d)model.GetSubmodule("layer4.1.conv2");
        using var std = conv.Weight.Std();
        using var mean = conv.Weight.Mean();
        var expected = Math.Sqrt(2.0 / (512 * 9)); // kaiming_normal_(mode="fan_out", nonlinearity="relu")
        Assert.InRange(std.Item<double>(), expected * 0.99, expected * 1.01);
        Assert.InRange(mean.Item<double>(), -expected * 0.01, expected * 0.01);
        var bn = (BatchNorm2d)model.GetSubmodule("layer4.1.bn2");
        Assert.All(bn.Weight!.ToArray<float>(), v => Assert.Equal(1f, v));
        Assert.All(bn.Bias!.ToArray<float>(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void VggLinearLayersAreNormalWithZeroBias()
    {
        Engine.ManualSeed(2);
        using var model = ModelZoo.Create("vgg11");
        var fc = (Linear)model.GetSubmodule("classifier.3");
        using var std = fc.Weight.Std();
        Assert.InRange(std.Item<double>(), 0.0099, 0.0101);
        Assert.All(fc.Bias!.ToArray<float>(), v => Assert.Equal(0f, v));
        var conv = (Conv2d)model.GetSubmodule("features.0");
        Assert.All(conv.Bias!.ToArray<float>(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void CifarConvolutionsAreNormalWithStdFromKernelAndOutChannels()
    {
        Engine.ManualSeed(3);
        using var model = ModelZoo.Create("cifar_resnet56");
        var conv = (Conv2d)model.GetSubmodule("layer3.0.conv2"); // 3×3, 64 → 64
        using var std = conv.Weight.Std();
        var expected = Math.Sqrt(2.0 / (9 * 64));
        Assert.InRange(std.Item<double>(), expected * 0.97, expected * 1.03);
    }

    [Fact]
    public void ZeroInitResidualZeroesTheLastNormOfEachBlock()
    {
        Engine.ManualSeed(4);
        using var model = new ResNet("resnet50", ResidualBlockKind.Bottleneck, [3, 4, 6, 3], numClasses: 10, zeroInitResidual: true);
        Assert.All(((BatchNorm2d)model.GetSubmodule("layer2.3.bn3")).Weight!.ToArray<float>(), v => Assert.Equal(0f, v));
        Assert.All(((BatchNorm2d)model.GetSubmodule("layer2.3.bn2")).Weight!.ToArray<float>(), v => Assert.Equal(1f, v));
    }
}
