using Ocular.Evaluation.Imputation;
using Ocular.Evaluation.Metrics;
using Ocular.Torch;

namespace Ocular.Evaluation.Tests;

public class RoadTests
{
    [Fact]
    public void ConjugateGradientImputationSolvesTheSparseSystem()
    {
        using var fixture = Fixtures.Load("evaluation", "road.safetensors");
        using var generator = new Generator(0);
        using var imputed = NoisyLinearImputation.Impute(fixture.Tensors["images"], fixture.Tensors["removed"], generator, noiseStd: 0, tolerance: 1e-10);
        Assert.True(imputed.AllClose(fixture.Tensors["imputed"], rtol: 0, atol: 1e-5));
    }

    [Fact]
    public void NoiseIsAddedOnlyToImputedPixels()
    {
        using var fixture = Fixtures.Load("evaluation", "road.safetensors");
        using var generator = new Generator(1);
        using var noisy = NoisyLinearImputation.Impute(fixture.Tensors["images"], fixture.Tensors["removed"], generator, noiseStd: 0.01);
        using var diff = noisy.Sub(fixture.Tensors["imputed"]);
        using var keptMask = fixture.Tensors["removed"].LogicalNot().Unsqueeze(1).ExpandAs(diff);
        using var onKept = diff.MaskedSelect(keptMask);
        Assert.True(onKept.Abs().Max().Item<float>() < 1e-6f);
        using var removedMask = fixture.Tensors["removed"].Unsqueeze(1).ExpandAs(diff);
        using var onRemoved = diff.MaskedSelect(removedMask);
        var std = onRemoved.Std().Item<float>();
        Assert.InRange(std, 0.008f, 0.012f);
    }

    [Fact]
    public void RemovingEverythingIsAClearError()
    {
        using var images = Tensor.Rand([1, 3, 4, 4], new Generator(2));
        using var all = Tensor.Ones([1, 4, 4], ScalarType.Bool);
        using var generator = new Generator(0);
        var e = Assert.Throws<ArgumentException>(() => NoisyLinearImputation.Impute(images, all, generator));
        Assert.Contains("every pixel removed", e.Message);
    }

    [Fact]
    public void MorfAndLerfGiveFractionsPerPercentage()
    {
        using var fixture = Fixtures.Load("evaluation", "causal.safetensors");
        var model = new TinyModel(fixture).Scorer();
        using var clean = Predictions.Of(model, fixture.Tensors["raw"]);
        var morf = Road.Evaluate(model, fixture.Tensors["raw"], fixture.Tensors["maps"], clean, Road.Order.MostRelevantFirst, [10, 50, 90], seed: 3);
        var again = Road.Evaluate(model, fixture.Tensors["raw"], fixture.Tensors["maps"], clean, Road.Order.MostRelevantFirst, [10, 50, 90], seed: 3);
        Assert.Equal(new[] { 10, 50, 90 }, morf.RemovedPercent);
        Assert.All(morf.Accuracy, a => Assert.Contains(a, new[] { 0, 0.5, 1 }));
        Assert.Equal(morf.Confidence, again.Confidence); // seeded noise: reproducible
        Assert.Throws<ArgumentOutOfRangeException>(() => Road.Evaluate(model, fixture.Tensors["raw"], fixture.Tensors["maps"], clean, Road.Order.LeastRelevantFirst, [100]));
    }
}
