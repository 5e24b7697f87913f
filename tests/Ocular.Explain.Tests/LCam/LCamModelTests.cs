using Ocular.Explain.Learned.LCam;
using Ocular.Torch;
using Ocular.Vision;
using Ocular.Vision.Models;

namespace Ocular.Explain.Tests.LCam;

/// <summary>The attention mechanism on zoo classifiers: map shapes, layers, parameter counts, and what trains.</summary>
public class LCamModelTests
{
    [Theory]
    [InlineData("compact_cnn", "fm", 64, new[] { "block4" }, 16)]
    [InlineData("compact_cnn", "tame", 64, new[] { "block2", "block3", "block4" }, 16)]
    [InlineData("resnet18", "img", 64, new[] { "layer4" }, 2)]
    [InlineData("resnet18", "tame", 64, new[] { "layer2", "layer3", "layer4" }, 8)]
    [InlineData("vgg16", "fm", 64, new[] { "features.29" }, 4)]
    [InlineData("vgg16", "tame", 64, new[] { "features.16", "features.23", "features.30" }, 8)]
    public void GivesOneMapPerClassAtTheDefaultLayers(string architecture, string variant, int size, string[] layers, int side)
    {
        Engine.ManualSeed(0);
        using var model = ModelZoo.Create(architecture, 5);
        using var network = LCamNetwork.Create(model, ImageNormalization.ImageNet, LCamVariants.Parse(variant), null, size);
        Assert.Equal(layers, network.Layers);
        using var images = Tensor.Rand([2, 3, size, size]);
        var (features, logits) = network.Features(images);
        using (logits)
        {
            using var c = network.Attention.Logits(features);
            Assert.Equal(new long[] { 2, 5, side, side }, c.Shape);
            using var targets = Tensor.FromArray(new long[] { 1, 4 });
            using var maps = network.ClassMaps(images, targets, LCamMapKind.Logits);
            Assert.Equal(new long[] { 2, side, side }, maps.Shape);
            using var expected = c.Select(1, 4).Select(0, 1);
            using var got = maps.Select(0, 1);
            Assert.True(got.AllClose(expected, 1e-5, 1e-6));
        }
        foreach (var f in features) f.Dispose();
    }

    [Fact]
    public void TheAttentionMechanismHasTheReferenceParameterCounts()
    {
        // §10: C_in·1000 + 1000; TAME §8.1: 9,100,776 for ResNet-50.
        using var resnet = new SingleLayerAttention(2048, 1000);
        Assert.Equal(2_049_000, resnet.Parameters().Sum(p => p.NumEl));
        using var vgg = new SingleLayerAttention(512, 1000);
        Assert.Equal(513_000, vgg.Parameters().Sum(p => p.NumEl));
        using var tame = new TameAttention([512, 1024, 2048], 1000);
        Assert.Equal(9_100_776, tame.Parameters().Sum(p => p.NumEl));
    }

    [Theory]
    [InlineData(LCamVariant.Fm)]
    [InlineData(LCamVariant.Img)]
    [InlineData(LCamVariant.Tame)]
    public void GradientsReachOnlyTheAttentionAndTheClassifierStaysBitIdentical(LCamVariant variant)
    {
        Engine.ManualSeed(2);
        using var model = ModelZoo.Create("compact_cnn", 4);
        model.Eval();
        var hash = ClassifierCheckpoint.WeightsHash(model);
        using var network = LCamNetwork.Create(model, new ImageNormalization([0.5], [0.5]), variant, null, 32);
        using var before = network.Attention.StateDict().Values.First().Clone();
        using var optimizer = LCamOptimization.CreateOptimizer(network.Attention, 0.5, 2, 0.9, true, 5e-4);
        network.Attention.Train();
        for (var step = 0; step < 2; step++)
        {
            using var scope = DisposeScope.Enter();
            var raw = Tensor.Rand([4, 3, 32, 32]);
            var (features, logits) = network.Features(network.Normalization.Apply(raw));
            optimizer.ZeroGrad();
            var (loss, _) = network.Loss(features, logits.Argmax(1), raw, LCamLossWeights.Reference, MaskLossSelection.OwnClass);
            loss.Total.Backward();
            Assert.All(model.Parameters(), p => Assert.Null(p.Grad));
            Assert.All(network.Attention.Parameters(), p =>
            {
                Assert.NotNull(p.Grad);
                Assert.True(p.Grad!.Abs().Sum().Item<float>() > 0);
            });
            optimizer.Step();
            loss.Dispose();
        }
        Assert.Equal(hash, ClassifierCheckpoint.WeightsHash(model));
        Assert.False(model.Training);
        using var after = network.Attention.StateDict().Values.First();
        Assert.False(after.Equal(before));
    }

    [Fact]
    public void DisposingTheNetworkUnfreezesTheClassifier()
    {
        using var model = ModelZoo.Create("compact_cnn", 3);
        model.Train();
        using (LCamNetwork.Create(model, ImageNormalization.Identity, LCamVariant.Fm, null, 32))
        {
            Assert.All(model.Parameters(), p => Assert.False(p.RequiresGrad));
            Assert.False(model.Training);
        }
        Assert.All(model.Parameters(), p => Assert.True(p.RequiresGrad));
        Assert.True(model.Training);
    }

    [Fact]
    public void FmReadsOneLayer()
    {
        using var model = ModelZoo.Create("compact_cnn", 3);
        var e = Assert.Throws<ArgumentException>(() => LCamLayers.Resolve(model, LCamVariant.Fm, ["block3", "block4"]));
        Assert.Contains("reads one layer", e.Message);
        Assert.Throws<Ocular.Torch.Nn.UnknownLayerException>(() => LCamLayers.Resolve(model, LCamVariant.Img, ["block9"]));
    }
}
