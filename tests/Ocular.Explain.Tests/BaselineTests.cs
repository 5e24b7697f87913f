using Ocular.Explain.Baselines;
using Ocular.Torch;

namespace Ocular.Explain.Tests;

public class BaselineTests
{
    [Fact]
    public void RandomMapsAreSeededAndMinMaxNormalised()
    {
        using var images = Tensor.Zeros([3, 3, 8, 10], ScalarType.Float32);
        using var targets = Tensor.Zeros([3], ScalarType.Int64);
        using var a = new RandomExplainer(7);
        using var b = new RandomExplainer(7);
        using var c = new RandomExplainer(8);
        using var ma = a.Explain(images, targets);
        using var mb = b.Explain(images, targets);
        using var mc = c.Explain(images, targets);
        Assert.Equal(new long[] { 3, 8, 10 }, ma.Shape);
        Assert.Equal(ScalarType.Float32, ma.DType);
        Assert.Equal(ma.ToArray<float>(), mb.ToArray<float>());
        Assert.NotEqual(ma.ToArray<float>(), mc.ToArray<float>());
        using var flat = ma.Reshape(3, -1);
        Assert.All(flat.Amin(1).ToArray<float>(), v => Assert.Equal(0f, v));
        Assert.All(flat.Amax(1).ToArray<float>(), v => Assert.Equal(1f, v));
        Assert.Equal("random", a.Name);
    }

    [Fact]
    public void SkippingImagesGivesTheMapsTheyWouldHaveAfterExplainingThem()
    {
        // Sharded runs (docs/distributed.md): a rank skips the images other ranks explain and gets the single run's maps.
        using var images = Tensor.Zeros([5, 3, 6, 7], ScalarType.Float32);
        using var targets = Tensor.Zeros([5], ScalarType.Int64);
        using var whole = new RandomExplainer(11);
        using var all = whole.Explain(images, targets);
        using var skipping = new RandomExplainer(11);
        skipping.SkipImages(2, 6, 7);
        using var third = skipping.Explain(images.Narrow(0, 0, 1), targets.Narrow(0, 0, 1));
        skipping.SkipImages(1, 6, 7);
        using var fifth = skipping.Explain(images.Narrow(0, 0, 1), targets.Narrow(0, 0, 1));
        Assert.Equal(all.Narrow(0, 2, 1).ToArray<float>(), third.ToArray<float>());
        Assert.Equal(all.Narrow(0, 4, 1).ToArray<float>(), fifth.ToArray<float>());
        Assert.NotEqual(all.Narrow(0, 3, 1).ToArray<float>(), fifth.ToArray<float>());
    }

    [Fact]
    public void CentreGaussianIsTheSameCentredGaussianForEveryImage()
    {
        using var images = Tensor.Zeros([2, 1, 9, 7], ScalarType.Float32);
        using var targets = Tensor.FromArray(new long[] { 0, 1 });
        using var explainer = new CentreGaussianExplainer(0.25);
        using var maps = explainer.Explain(images, targets);
        Assert.Equal(new long[] { 2, 9, 7 }, maps.Shape);
        var v = maps.ToArray<float>();
        Assert.Equal(v.Take(63), v.Skip(63));
        Assert.Equal(1f, v[4 * 7 + 3]);                        // the centre pixel (4, 3) is the maximum
        Assert.Equal(v[0], v[8 * 7 + 6], 6);                   // symmetric corners
        // exp(−d²/2σ²) with σ = 0.25·7 = 1.75, min–max over the grid (the corners are the minimum).
        double G(double dy, double dx) => Math.Exp(-(dy * dy + dx * dx) / (2 * 1.75 * 1.75));
        var expected = (G(0, 1) - G(4, 3)) / (1 - G(4, 3));
        Assert.Equal(expected, v[4 * 7 + 4], 5);
        Assert.Equal(0f, v.Min());
        Assert.Equal("centre-gaussian", explainer.Name);
        Assert.Throws<ArgumentOutOfRangeException>(() => new CentreGaussianExplainer(0));
    }

    [Fact]
    public void BaselinesRefuseMalformedInput()
    {
        using var explainer = new CentreGaussianExplainer();
        using var images = Tensor.Zeros([2, 3, 4], ScalarType.Float32);
        using var targets = Tensor.Zeros([2], ScalarType.Int64);
        Assert.Contains("[N, C, H, W]", Assert.Throws<ArgumentException>(() => explainer.Explain(images, targets)).Message);
        using var four = Tensor.Zeros([2, 3, 4, 4], ScalarType.Float32);
        using var three = Tensor.Zeros([3], ScalarType.Int64);
        using var random = new RandomExplainer();
        Assert.Contains("one target per image", Assert.Throws<ArgumentException>(() => random.Explain(four, three)).Message);
    }
}
