using Ocular.Explain.Learned.Lavise;
using Ocular.Torch;
using Ocular.Vision.Tests;

namespace Ocular.Explain.Tests.Lavise;

/// <summary>
/// LaViSE's loss and filter-attention inputs against the original code run by tests/fixtures/lavise/make_reference.py
/// (revision c16a9d1): train_helpers.py's CSMRLoss (value and gradient, with and without seen columns) and
/// infer_filter.py's explain() for the `projection` and `activation` methods.
/// </summary>
public class LaviseReferenceTests
{
    [Fact]
    public void TheLossAndItsGradientMatchTheOriginalCsmrLoss()
    {
        using var expected = Fixtures.Load("lavise", "reference.safetensors");
        var t = expected.Tensors;
        using var output = t["csmr_output"].Clone().RequiresGrad_(true);
        using var loss = CsmrLoss.Compute(output, t["csmr_target"], t["csmr_embeddings"]);
        loss.Backward();
        Assert.Equal(t["csmr_loss"].ToArray<float>()[0], loss.Item<float>(), 5);
        using var grad = output.Grad!;
        TensorAssert.Close(t["csmr_grad"], grad, rtol: 1e-5, atol: 1e-6, what: "CSMR gradient");
    }

    [Fact]
    public void WithSeenColumnsRowsWithoutASeenWordAreDroppedAsTheOriginalDoes()
    {
        using var expected = Fixtures.Load("lavise", "reference.safetensors");
        var t = expected.Tensors;
        using var output = t["csmr_output"].Clone().RequiresGrad_(true);
        using var seenTargets = t["csmr_target"].IndexSelect(1, t["csmr_seen"]);
        using var seenEmbeddings = t["csmr_embeddings"].IndexSelect(0, t["csmr_seen"]);
        using var loss = CsmrLoss.Compute(output, seenTargets, seenEmbeddings);
        loss.Backward();
        Assert.Equal(t["csmr_seen_loss"].ToArray<float>()[0], loss.Item<float>(), 5);
        using var grad = output.Grad!;
        TensorAssert.Close(t["csmr_seen_grad"], grad, rtol: 1e-5, atol: 1e-6, what: "CSMR gradient with seen columns");
        // Row 2's only word (column 8) is unseen: it gets no gradient.
        Assert.All(grad.Select(0, 2).ToArray<float>(), g => Assert.Equal(0f, g));
    }

    [Theory]
    [InlineData(FilterMasking.FilterAttention, "explain_projection")]
    [InlineData(FilterMasking.ActivationMasking, "explain_activation")]
    public void TheFilterAttentionAndActivationMaskingInputsMatchTheOriginalExplain(FilterMasking method, string key)
    {
        using var expected = Fixtures.Load("lavise", "reference.safetensors");
        var t = expected.Tensors;
        var u = (int)t["explain_filter"].ToArray<long>()[0];
        var threshold = t["explain_threshold"].ToArray<float>()[0];
        using var f = t["explain_activation_input"].Select(0, 0);   // [d, h, w]
        var d = (int)f.Size(0);
        var thresholds = Enumerable.Repeat(threshold, d).ToArray();
        using var pooled = FilterExplainer.PooledInputs(f, null, [u], method, thresholds, null);
        TensorAssert.Close(t[key], pooled, rtol: 1e-5, atol: 1e-6, what: key);
    }
}
