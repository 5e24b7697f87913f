using Ocular.Explain.Learned.Lvw;
using Ocular.Torch;
using Ocular.Vision.Models;
using Ocular.Vision.Models.Prototypes;
using Ocular.Vision.Tests;

namespace Ocular.Explain.Tests.Lvw;

/// <summary>The conformance checks of reference learnable-visual-words.md §9 and the zoo names.</summary>
[Collection(GlobalStateCollection.Name)]
public class LvwConformanceTests
{
    [Fact]
    public void PetsSettingsGiveTheReferenceShapesAndParameterCounts()
    {
        Engine.ManualSeed(1);
        using var model = (PrototypeNetwork)ModelZoo.Create("lvw_resnet34", 37);
        Assert.Equal(185, model.NumWords);
        Assert.Equal(128, model.Dimension);
        Assert.Equal(512, model.FeatureChannels);
        model.Eval();
        using var noGrad = Autograd.NoGrad();
        using var x = Tensor.Rand([1, 3, 224, 224]);
        using var z = model.Latent(x);
        Assert.Equal([1L, 128, 7, 7], z.Shape);
        Assert.True(z.Min().Item<float>() >= 0 && z.Max().Item<float>() <= 1, "the add-on ends with a sigmoid");
        using var output = model.ForwardWords(x);
        Assert.Equal([1L, 185, 7, 7], output.ActivationMaps.Shape);
        Assert.Equal([1L, 185], output.WordScores.Shape);
        Assert.Equal([1L, 185], output.MinDistances.Shape);
        Assert.Equal([1L, 37], output.Logits.Shape);

        // §2: add-on 82,176; words 23,680; last layer 6,845; the zoo counts without building.
        Assert.Equal(82_176, model.AddOnLayers.Parameters().Sum(p => p.NumEl));
        Assert.Equal(23_680, model.Words.NumEl);
        Assert.Equal(6_845, model.LastLayer.Parameters().Sum(p => p.NumEl));
        Assert.Null(model.LastLayer.Bias);
        Assert.Equal(model.Parameters().Sum(p => p.NumEl), ModelZoo.Describe("lvw_resnet34").ParameterCount(37));
        Assert.Equal(ModelZoo.Describe("resnet34").ParameterCount(37) - (512 * 37 + 37) + 82_176 + 23_680 + 6_845, ModelZoo.Describe("lvw_resnet34").ParameterCount(37));
    }

    [Theory]
    [InlineData("protopnet_vgg11_w2_d32", 4)]
    [InlineData("lvw_compact_cnn_w3", 6)]
    [InlineData("lvw_cifar_resnet20_d8", 3)]
    [InlineData("protopnet_alexnet", 2)]
    public void TheZooCountsEveryBackboneWithoutBuilding(string name, int classes)
    {
        Engine.ManualSeed(2);
        using var model = ModelZoo.Create(name, classes);
        Assert.IsType<PrototypeNetwork>(model);
        Assert.Equal(model.Parameters().Sum(p => p.NumEl), ModelZoo.Describe(name).ParameterCount(classes));
        Assert.Equal(name, model.Architecture);
    }

    [Fact]
    public void SimilarityOfDistanceZeroIsLogOneOverEpsilon()
    {
        using var d = Tensor.FromArray(new float[] { 0, 1, 1e6f }, 3);
        using var s = PrototypeNetwork.Similarity(d);
        var v = s.ToArray<float>();
        Assert.Equal(Math.Log(1 / 1e-4), v[0], 4);
        Assert.Equal(9.2103, v[0], 3);
        Assert.Equal(Math.Log(2 / 1.0001), v[1], 5);
        Assert.True(v[2] is > 0 and < 1e-5f);
    }

    [Fact]
    public void TheLastLayerStartsAsTheClassIdentity()
    {
        Engine.ManualSeed(3);
        using var model = (PrototypeNetwork)ModelZoo.Create("lvw_compact_cnn", 4);
        var w = model.LastLayer.Weight.Detach().ToArray<float>();
        for (var c = 0; c < 4; c++)
            for (var j = 0; j < 20; j++)
                Assert.Equal(j / 5 == c ? 1f : -0.5f, w[c * 20 + j]);
        using var words = model.Words.Detach();
        Assert.True(words.Min().Item<float>() >= 0 && words.Max().Item<float>() < 1, "words start uniform in [0, 1)");
    }

    [Theory]
    [InlineData("lvw_lficam_resnet18", "plain zoo backbone")]
    [InlineData("lvw_resnet34_w0", "must be positive")]
    public void BadNamesAreRefusedWithTheReason(string name, string reason)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => ModelZoo.Describe(name));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.Throws<UnknownArchitectureException>(() => ModelZoo.Describe("lvw_resnet7"));
    }

    [Fact]
    public void NamesCarryTheModeAndSizes()
    {
        Assert.Equal("lvw_resnet34", PrototypeArchitectures.Name("resnet34", PrototypeMode.Lvw));
        Assert.Equal("protopnet_vgg19_w10", PrototypeArchitectures.Name("vgg19", PrototypeMode.ProtoPNet, 10));
        Assert.Equal("lvw_compact_cnn_w3_d64", PrototypeArchitectures.Name("compact_cnn", PrototypeMode.Lvw, 3, 64));
        Assert.Equal(PrototypeMode.ProtoPNet, PrototypeArchitectures.ModeOf("protopnet_resnet18"));
        Assert.Null(PrototypeArchitectures.ModeOf("resnet18"));
        Assert.Contains("lvw_resnet34", ModelZoo.Names);
        Assert.Equal("lvw_compact_cnn_w3_d64", ModelZoo.Describe("lvw_compact_cnn_d64_w3").Name);
    }

    [Fact]
    public void TheLvwMapIsTheMaxOfTheTopWordsBicubicMapsAndIgnoresTheClass()
    {
        Engine.ManualSeed(4);
        using var model = (PrototypeNetwork)ModelZoo.Create("lvw_compact_cnn", 4);
        model.Eval();
        using var images = Tensor.Rand([2, 3, 64, 64]);
        using var explainer = ExplainerRegistry.Create("lvw", model);
        using var a = explainer.Explain(images, Tensor.FromArray(new long[] { 0, 1 }, 2));
        using var b = explainer.Explain(images, Tensor.FromArray(new long[] { 3, 2 }, 2));
        Assert.Equal([2L, 64, 64], a.Shape);
        Assert.Equal(0f, a.Min().Item<float>());
        Assert.Equal(1f, a.Max().Item<float>(), 5);
        Assert.Equal(a.ToArray<float>(), b.ToArray<float>());
        Assert.Equal("learned", ExplainerRegistry.Find("lvw").Kind);

        // By hand: the 10 best-scoring words' maps, OpenCV bicubic, max, min–max.
        using var noGrad = Autograd.NoGrad();
        using var output = model.ForwardWords(images);
        using var maps = LvwExplainer.WordMaps(output, 64, 64, 10);
        Assert.Equal([2L, 10, 64, 64], maps.Shape);
        using var pooled = maps.Amax(1);
        using var expected = SaliencyMaps.Normalize(pooled);
        TensorAssert.Close(expected, a, rtol: 0, atol: 1e-6, what: "lvw map");
    }

    [Fact]
    public void TheLvwExplainerRefusesAnOrdinaryClassifier()
    {
        using var model = ModelZoo.Create("compact_cnn", 3);
        var e = Assert.Throws<ArgumentException>(() => ExplainerRegistry.Create("lvw", model));
        Assert.Contains("not one", e.Message, StringComparison.Ordinal);
        Assert.Contains("ocular train lvw", e.Message, StringComparison.Ordinal);
    }
}
