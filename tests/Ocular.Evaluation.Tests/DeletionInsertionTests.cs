using Ocular.Evaluation.Metrics;

namespace Ocular.Evaluation.Tests;

public class DeletionInsertionTests
{
    [Fact]
    public void BlurKernelEqualsRisesGkern()
    {
        using var fixture = Fixtures.Load("evaluation", "causal.safetensors");
        using var kernel = DeletionInsertion.RiseBlurKernel(3);
        using var k00 = kernel[0, 0];
        using var k01 = kernel[0, 1];
        Assert.True(k00.AllClose(fixture.Tensors["gkern"], rtol: 0, atol: 1e-7));
        Assert.Equal(0f, k01.Abs().Max().Item<float>());
    }

    [Theory]
    [InlineData(DeletionInsertion.Kind.Deletion, "del", 16)]
    [InlineData(DeletionInsertion.Kind.Deletion, "del", 10)]
    [InlineData(DeletionInsertion.Kind.Insertion, "ins", 16)]
    [InlineData(DeletionInsertion.Kind.Insertion, "ins", 10)]
    public void CurvesAndAreasEqualRisesEvaluation(DeletionInsertion.Kind kind, string name, int step)
    {
        using var fixture = Fixtures.Load("evaluation", "causal.safetensors");
        var model = new TinyModel(fixture).Scorer(batchSize: 5);
        using var clean = Predictions.Of(model, fixture.Tensors["raw"]);
        var result = DeletionInsertion.Evaluate(model, fixture.Tensors["raw"], fixture.Tensors["maps"], clean, kind, step);
        var expected = fixture.Tensors[$"{name}_step{step}_curves"];
        var expectedAuc = fixture.Tensors[$"{name}_step{step}_auc"].ToArray<double>();
        Assert.Equal(expected.Size(1), result.Curves[0].Length); // ⌈256/step⌉ + 1 points
        for (var i = 0; i < 2; i++)
        {
            using var row = expected[i];
            var want = row.ToArray<float>();
            for (var k = 0; k < want.Length; k++) Assert.Equal(want[k], result.Curves[i][k], 1e-5f);
            Assert.Equal(expectedAuc[i], result.Auc[i], 5);
        }
    }

    [Fact]
    public void TrapezoidArea()
    {
        Assert.Equal(0.5, DeletionInsertion.Auc([1f, 0.5f, 0f]), 10);
        Assert.Equal(1.0, DeletionInsertion.Auc([1f, 1f]), 10);
    }
}
