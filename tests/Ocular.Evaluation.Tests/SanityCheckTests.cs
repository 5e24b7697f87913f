using Ocular.Evaluation.Metrics;
using Ocular.Explain.Baselines;
using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Models;

namespace Ocular.Evaluation.Tests;

public class RankCorrelationTests
{
    [Fact]
    public void HandComputedRanksAndCorrelations()
    {
        using var rows = Tensor.FromArray(new float[] { 3, 1, 3, 2 }, 1, 4);
        Assert.Equal(new[] { 3.5, 1, 3.5, 2 }, RankCorrelation.AverageRanks(rows).ToArray<double>());

        using var a = Tensor.FromArray(new float[] { 1, 2, 3, 4, 1, 2, 3, 4, 1, 1, 2, 3 }, 3, 2, 2);
        using var b = Tensor.FromArray(new float[] { 1, 2, 3, 4, 4, 3, 2, 1, 1, 2, 2, 3 }, 3, 2, 2);
        var rho = RankCorrelation.Spearman(a, b).ToArray<double>();
        Assert.Equal(1, rho[0], 12);
        Assert.Equal(-1, rho[1], 12);
        // ranks (1.5, 1.5, 3, 4) and (1, 2.5, 2.5, 4): covariance 3.75, sums of squares 4.5 and 4.5.
        Assert.Equal(3.75 / 4.5, rho[2], 12);
    }

    [Fact]
    public void MatchesScipyWithTiesAndConstantMaps()
    {
        using var fixture = Fixtures.Load("evaluation", "sanity.safetensors");
        var rho = RankCorrelation.Spearman(fixture.Tensors["spearman_a"], fixture.Tensors["spearman_b"]).ToArray<double>();
        var expected = fixture.Tensors["spearman_rho"].ToArray<double>();
        for (var i = 0; i < expected.Length; i++)
        {
            if (double.IsNaN(expected[i])) Assert.True(double.IsNaN(rho[i]), $"image {i}: a constant map has no rank correlation");
            else Assert.Equal(expected[i], rho[i], 12);
        }
        Assert.True(double.IsNaN(expected[^1]));
    }
}

[Collection(GlobalStateCollection.Name)]
public class SanityCheckTests
{
    [Fact]
    public void CascadeRunsFromTheHeadDown()
    {
        using var compact = ModelZoo.Create("compact_cnn", 5);
        Assert.Equal(["fc", "block4.1", "block4.0", "block3.1", "block3.0", "block2.1", "block2.0", "block1.1", "block1.0"], SanityCheck.CascadeLayers(compact));
        using var resnet = ModelZoo.Create("resnet18", 4);
        Assert.Equal(["fc", "layer4.1", "layer4.0", "layer3.1", "layer3.0", "layer2.1", "layer2.0", "layer1.1", "layer1.0", "bn1", "conv1"], SanityCheck.CascadeLayers(resnet));
    }

    [Fact]
    public void MatchesTheReferenceCascadeAndLeavesTheModelIntact()
    {
        using var fixture = Fixtures.Load("evaluation", "sanity.safetensors");
        using var model = ModelZoo.Create("compact_cnn", 5);
        model.LoadStateDict(fixture.Tensors.Where(kv => kv.Key.StartsWith("model.")).ToDictionary(kv => kv.Key["model.".Length..], kv => kv.Value));
        model.Eval();
        var before = ClassifierCheckpoint.WeightsHash(model);
        var images = fixture.Tensors["images"];
        var targets = fixture.Tensors["targets"];
        var layers = fixture.Metadata["layers"].Split(',');

        using (var cam = new CamTestExplainer(model))
        using (var maps = cam.Explain(images, targets))
        {
            var expected = fixture.Tensors["original_maps"].ToArray<float>();
            var actual = maps.ToArray<float>();
            for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-5f);
        }

        var result = SanityCheck.Evaluate(model, m => new CamTestExplainer(m), images, targets, seed: (ulong)fixture.Tensors["seed"].Item<long>());
        Assert.Equal(layers, result.Layers.Select(l => l.Layer));
        var rho = fixture.Tensors["rho"];
        for (var k = 0; k < layers.Length; k++)
        {
            var expected = rho.Select(0, k).ToArray<double>();
            // float32 maps on both sides: near-ties may swap ranks, which moves ρ by ~1e-4.
            for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], result.Layers[k].PerImage[i], 2e-3);
        }
        Assert.True(result.MeanOverLayers < 0.5, $"CAM depends on the weights: ρ should fall, got {result.MeanOverLayers}");
        Assert.Equal(before, ClassifierCheckpoint.WeightsHash(model));
    }

    [Fact]
    public void ATorchScriptModelIsRandomisedInItsOwnGraph()
    {
        // tests/fixtures/torchscript/branchy_scripted.pt: a custom CNN exported with torch.jit.script.
        using var model = Vision.Models.TorchScript.TorchScriptClassifier.Load(
            Path.Combine(AppContext.BaseDirectory, "fixtures", "torchscript", "branchy_scripted.pt"), inputSize: 16);
        Assert.Equal(["head", "merge", "right.0", "left", "stem.1", "stem.0"], SanityCheck.CascadeLayers(model));
        var before = ClassifierCheckpoint.WeightsHash(model);
        using var generator = new Generator(1);
        using var images = Tensor.Randn([2, 3, 16, 16], generator);
        using var targets = Tensor.FromArray(new long[] { 1, 3 });
        var result = SanityCheck.Evaluate(model, m => Explain.ExplainerRegistry.Create("grad-cam", m, new Explain.ExplainerOptions { Layers = ["merge"] }),
            images, targets, seed: 3);
        Assert.Equal(6, result.Layers.Count);
        // Re-initialising the head and merge (the layer explained) changes Grad-CAM's maps: the copy's graph saw the new weights.
        Assert.True(result.Layers[1].Mean < 0.9, $"ρ after randomising merge: {result.Layers[1].Mean}");
        Assert.Equal(before, ClassifierCheckpoint.WeightsHash(model));   // the trained model is left as it was
        // A model-independent explainer keeps ρ = 1 on the TorchScript copy too.
        var constant = SanityCheck.Evaluate(model, _ => new CentreGaussianExplainer(), images, targets, seed: 3);
        Assert.All(constant.Layers, l => Assert.All(l.PerImage, r => Assert.Equal(1.0, r, 12)));
    }

    [Fact]
    public void AModelIndependentExplainerKeepsRankCorrelationOne()
    {
        Engine.ManualSeed(4);
        using var model = ModelZoo.Create("compact_cnn", 5);
        model.Eval();
        using var generator = new Generator(1);
        using var images = Tensor.Randn([2, 3, 32, 32], generator);
        using var targets = Tensor.FromArray(new long[] { 0, 3 });
        var result = SanityCheck.Evaluate(model, _ => new CentreGaussianExplainer(), images, targets, seed: 2);
        Assert.Equal(9, result.Layers.Count);
        Assert.All(result.Layers, l => Assert.All(l.PerImage, r => Assert.Equal(1.0, r, 12)));
        Assert.Equal(1.0, result.MeanOverLayers, 12);

        var cam = SanityCheck.Evaluate(model, m => new CamTestExplainer(m), images, targets, seed: 2);
        Assert.True(cam.Layers[0].Mean < 0.9, $"randomising fc changes CAM's maps, got ρ = {cam.Layers[0].Mean}");
    }
}
