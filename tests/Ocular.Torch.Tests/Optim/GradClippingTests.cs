using Ocular.Torch.Nn;
using Ocular.Torch.Tests.Nn;

namespace Ocular.Torch.Tests.Optim;

/// <summary>
/// <see cref="GradClipping.ClipGradNorm"/> against torch.nn.utils.clip_grad_norm_ (fixture
/// tests/fixtures/optim/clip_grad_norm.safetensors); float32, tolerance 1e-6 relative + 1e-7 absolute.
/// </summary>
public sealed class GradClippingTests
{
    [Theory]
    [InlineData("l2_clip", 1.0, 2.0)]
    [InlineData("l2_noclip", 100.0, 2.0)]
    [InlineData("l1_clip", 2.5, 1.0)]
    [InlineData("inf_clip", 0.5, double.PositiveInfinity)]
    [InlineData("l3_clip", 1.5, 3.0)]
    public void ClipGradNormEqualsPyTorch(string name, double maxNorm, double normType)
    {
        using var fx = Fixtures.Load("optim", "clip_grad_norm.safetensors");
        var grads = Enumerable.Range(0, 3).Select(i => fx.Tensors[$"grads.{i}"]).ToList();
        var parameters = grads.Select(g => new Parameter(Tensor.ZerosLike(g))).ToList();
        using var frozen = new Parameter(Tensor.Zeros(4)); // no gradient: skipped
        try
        {
            for (var i = 0; i < grads.Count; i++)
            {
                using var g = grads[i].Clone();
                parameters[i].Grad = g;
            }
            using var total = GradClipping.ClipGradNorm([.. parameters, frozen], maxNorm, normType);
            NnAssert.Close(fx.Tensors[$"{name}.total_norm"], total, 1e-6, 1e-7, $"{name} total norm");
            for (var i = 0; i < grads.Count; i++)
            {
                using var g = parameters[i].Grad!;
                NnAssert.Close(fx.Tensors[$"{name}.grads.{i}"], g, 1e-6, 1e-7, $"{name} gradient {i}");
            }
            Assert.Null(frozen.Grad);
        }
        finally
        {
            foreach (var p in parameters) p.Dispose();
        }
    }

    [Fact]
    public void NoGradientsGiveZero()
    {
        using var p = new Parameter(Tensor.Zeros(3));
        using var total = GradClipping.ClipGradNorm([p], 1.0);
        Assert.Equal(0f, total.Item<float>());
    }

    [Fact]
    public void NonFiniteNormIsAnErrorWhenAsked()
    {
        using var p = new Parameter(Tensor.Zeros(2));
        p.Grad = Tensor.FromArray(new[] { 1f, float.NaN });
        Assert.Throws<ArithmeticException>(() => GradClipping.ClipGradNorm([p], 1.0, errorIfNonfinite: true));
    }

    [Fact]
    public void ClipGradValueClamps()
    {
        using var p = new Parameter(Tensor.Zeros(3));
        p.Grad = Tensor.FromArray(new[] { -3f, 0.5f, 2f });
        GradClipping.ClipGradValue([p], 1.0);
        using var g = p.Grad!;
        Assert.Equal(new[] { -1f, 0.5f, 1f }, g.ToArray<float>());
    }
}
