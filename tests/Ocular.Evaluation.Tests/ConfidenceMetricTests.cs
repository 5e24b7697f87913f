using Ocular.Evaluation.Metrics;
using Ocular.Torch;

namespace Ocular.Evaluation.Tests;

public class ConfidenceMetricTests
{
    [Fact]
    public void HandComputedAverageDropIncreaseAndGain()
    {
        float[] y = [0.5f, 0.8f, 0.2f];
        float[] o = [0.25f, 0.9f, 0.2f];
        Assert.Equal(100.0 / 3 * 0.5, AverageDrop.Compute(y, o), 4);
        Assert.Equal(100.0 / 3, IncreaseInConfidence.Compute(y, o), 4);
        Assert.Equal(100.0 / 3 * (0.1 / 0.2), AverageGain.Compute(y, o), 3);
    }

    [Fact]
    public void UnchangedConfidenceGivesZeroDropAndZeroIncrease()
    {
        float[] y = [0.3f, 0.6f];
        Assert.Equal(0, AverageDrop.Compute(y, y));
        Assert.Equal(0, IncreaseInConfidence.Compute(y, y)); // strict inequality
        Assert.Equal(0, AverageGain.Compute(y, y));
    }

    [Fact]
    public void FullConfidenceContributesNoGain()
    {
        Assert.Equal(0, AverageGain.Compute([1f], [1f]));
    }

    [Fact]
    public void LcamProtocolMatchesTheReferenceOnATinyModel()
    {
        using var fixture = Fixtures.Load("evaluation", "causal.safetensors");
        var model = new TinyModel(fixture).Scorer();
        using var clean = Predictions.Of(model, fixture.Tensors["raw"]);
        using var result = ConfidenceChange.Evaluate(model, fixture.Tensors["raw"], fixture.Tensors["maps"], clean, keepPercent: 50);
        var expectedY = fixture.Tensors["adic_keep50_Y"].ToArray<float>();
        var expectedO = fixture.Tensors["adic_keep50_O"].ToArray<float>();
        for (var i = 0; i < expectedY.Length; i++)
        {
            Assert.Equal(expectedY[i], result.Clean[i], 1e-6f);
            Assert.Equal(expectedO[i], result.Masked[i], 1e-6f);
        }
        Assert.Equal(new long[] { 2, 5 }, result.MaskedProbabilities.Shape);
    }

    [Fact]
    public void MismatchedMapsAreAClearError()
    {
        using var fixture = Fixtures.Load("evaluation", "causal.safetensors");
        var model = new TinyModel(fixture).Scorer();
        using var clean = Predictions.Of(model, fixture.Tensors["raw"]);
        using var wrong = Tensor.Zeros(2, 8, 8);
        var e = Assert.Throws<ArgumentException>(() => ConfidenceChange.Evaluate(model, fixture.Tensors["raw"], wrong, clean, 50));
        Assert.Contains("[2, 8, 8]", e.Message);
    }

    [Fact]
    public void TopKAccuracy()
    {
        using var scores = Tensor.FromArray(new float[] { 0.1f, 0.7f, 0.2f, 0.5f, 0.3f, 0.2f }, 2, 3);
        using var labels = Tensor.FromArray(new long[] { 2, 1 });
        Assert.Equal(0, Accuracy.TopK(scores, labels, 1));
        Assert.Equal(100, Accuracy.TopK(scores, labels, 2));
    }
}
