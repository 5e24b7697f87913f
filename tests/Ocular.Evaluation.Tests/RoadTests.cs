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

    // road_pgc.safetensors: pytorch-grad-cam's NoisyLinearImputer (scipy's spsolve) with zero noise,
    // made by tests/fixtures/evaluation/make_road.py.
    [Theory]
    [InlineData("small")]
    [InlineData("large")]
    public void ImputationMatchesPytorchGradCamWithinTheStatedAccuracy(string size)
    {
        using var fixture = Fixtures.Load("evaluation", "road_pgc.safetensors");
        var t = fixture.Tensors;
        using var scope = DisposeScope.Enter();
        // "large": one 63×72 image (odd height: every coarse grid is padded) with four removal sets
        // (smooth map MoRF 50 % and 90 %, LeRF 30 %, random map 70 %), solved as one batch.
        var images = size == "small" ? t["small_images"] : t["large_image"].Unsqueeze(0).Expand(4, -1, -1, -1);
        var removed = t[$"{size}_removed"];
        using var generator = new Generator(0);
        var imputed = NoisyLinearImputation.Impute(images, removed, generator, noiseStd: 0);
        var error = imputed.Sub(t[$"{size}_imputed"]).Abs().Max().Item<float>();
        Assert.True(error <= NoisyLinearImputation.StatedAccuracy, $"max |Ocular − pytorch-grad-cam| = {error:E2}");
        // Known pixels are copied, not solved.
        var keptDiff = imputed.Sub(images).Abs().MaskedSelect(removed.LogicalNot().Unsqueeze(1).ExpandAs(imputed));
        Assert.Equal(0f, keptDiff.Max().Item<float>());
    }

    [Fact]
    public void MorfAndLerfMatchPytorchGradCamWithTheNoiseFixed()
    {
        using var fixture = Fixtures.Load("evaluation", "road_pgc.safetensors");
        var t = fixture.Tensors;
        var model = new TinyModel(fixture).Scorer(batchSize: 4);
        using var clean = Predictions.Of(model, t["raw"]);
        var percents = t["percents"].ToArray<long>().Select(p => (int)p).ToArray();
        foreach (var (order, name) in new[] { (Road.Order.MostRelevantFirst, "morf"), (Road.Order.LeastRelevantFirst, "lerf") })
        {
            var result = Road.Evaluate(model, t["raw"], t["maps"], clean, order, percents, noiseStd: 0);
            var probability = t[$"{name}_probability"].ToArray<double>();   // [percentages, images]
            var kept = t[$"{name}_kept"].ToArray<bool>();
            var images = (int)t["raw"].Size(0);
            for (var q = 0; q < percents.Length; q++)
            {
                var expected = Enumerable.Range(0, images).Select(i => probability[q * images + i]).Average();
                Assert.Equal(expected, result.Confidence[q], 1e-5);
                Assert.Equal(kept.Skip(q * images).Take(images).ToArray(), result.KeptPrediction[q]);
                Assert.Equal(kept.Skip(q * images).Take(images).Count(k => k) / (double)images, result.Accuracy[q], 1e-12);
            }
        }
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
