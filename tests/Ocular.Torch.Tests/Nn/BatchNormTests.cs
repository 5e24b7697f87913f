using Ocular.Torch.Nn;

namespace Ocular.Torch.Tests.Nn;

/// <summary>
/// Batch normalisation in training (batch statistics, running-statistics updates, the batch counter)
/// and evaluation (running statistics) against tests/fixtures/nn/batch_norm.safetensors. Float32:
/// tolerance 1e-5 relative + 1e-6 absolute.
/// </summary>
public sealed class BatchNormTests
{
    private const double Rtol = 1e-5;
    private const double Atol = 1e-6;

    [Theory]
    [InlineData("bn2d")]
    [InlineData("bn2d_cumulative")]
    [InlineData("bn1d")]
    public void TrainingUpdatesRunningStatisticsAndEvalUsesThem(string name)
    {
        using var fx = Fixtures.Load("nn", "batch_norm.safetensors");
        using BatchNormBase bn = name switch
        {
            "bn2d" => new BatchNorm2d(3),
            "bn2d_cumulative" => new BatchNorm2d(3, momentum: null),
            _ => new BatchNorm1d(5, momentum: 0.3),
        };
        using (Autograd.NoGrad())
        {
            bn.Weight!.Copy_(fx.Tensors[$"{name}.weight"]);
            bn.Bias!.Copy_(fx.Tensors[$"{name}.bias"]);
        }
        bn.Train();
        for (var step = 0; step < 3; step++)
        {
            var prefix = $"{name}.train{step}";
            using var y = bn.Call(fx.Tensors[$"{prefix}.input"]);
            NnAssert.Close(fx.Tensors[$"{prefix}.output"], y, Rtol, Atol, $"{prefix} output");
            NnAssert.Close(fx.Tensors[$"{prefix}.running_mean"], bn.RunningMean!, Rtol, Atol, $"{prefix} running mean");
            NnAssert.Close(fx.Tensors[$"{prefix}.running_var"], bn.RunningVar!, Rtol, Atol, $"{prefix} running var");
            Assert.Equal(fx.Tensors[$"{prefix}.num_batches_tracked"].Item<long>(), bn.NumBatchesTracked!.Item<long>());
        }
        bn.Eval();
        using var mean = bn.RunningMean!.Clone();
        using var eval = bn.Call(fx.Tensors[$"{name}.eval.input"]);
        NnAssert.Close(fx.Tensors[$"{name}.eval.output"], eval, Rtol, Atol, $"{name} eval output");
        Assert.True(mean.Equal(bn.RunningMean!), "evaluation leaves the running statistics alone");
        Assert.Equal(3L, bn.NumBatchesTracked!.Item<long>());
    }

    [Fact]
    public void WrongInputRankIsAnError()
    {
        using var bn = new BatchNorm2d(3);
        using var x = Tensor.Zeros(4, 3);
        var e = Assert.Throws<ArgumentException>(() => bn.Call(x));
        Assert.Contains("BatchNorm2d expects a 4-D input, got shape [4, 3]", e.Message);
    }

    [Fact]
    public void WithoutRunningStatisticsEvalUsesTheBatch()
    {
        using var bn = new BatchNorm1d(2, trackRunningStats: false);
        Assert.Null(bn.RunningMean);
        Assert.Null(bn.NumBatchesTracked);
        bn.Eval();
        using var x = Tensor.FromArray(new float[] { 1, 10, 3, 30 }, 2, 2);
        using var y = bn.Call(x);
        var v = y.ToArray<float>();
        Assert.Equal(-1f, v[0], 3);
        Assert.Equal(1f, v[2], 3);
        Assert.Empty(bn.NamedBuffers());
    }
}
