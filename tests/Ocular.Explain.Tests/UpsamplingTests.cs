using Ocular.Torch;
using Ocular.Torch.Serialization;

namespace Ocular.Explain.Tests;

/// <summary>
/// <see cref="ExplainerOptions.Upsampling"/> against pytorch-grad-cam itself (tests/fixtures/explain/make_upsample.py runs
/// its <c>ScoreCAM</c> on the fixture model and three 40 × 48 images). What is compared: with one layer every step after
/// the class map is affine per image in both libraries, so pytorch-grad-cam's map, min–max normalised exactly
/// (<see cref="SaliencyMaps.Normalize"/>), must equal Ocular's; with two layers the order of its normalisation and
/// resizing changes the mean, so Ocular's map is compared with pytorch-grad-cam's own class maps post-processed the
/// Ocular way. Tolerance 5e-5 absolute on maps in [0, 1], as the other reference tests (float32, different reduction
/// orders and a channels-last layout; observed ≤ 1.0e-6; the script itself sees 2.4e-7 between the two stages).
/// </summary>
public class UpsamplingTests
{
    private const double Tolerance = 5e-5;

    /// <summary>
    /// The smallest max |difference| between the half-pixel maps and pytorch-grad-cam's default ones that counts as
    /// "different": 200 times the tolerance; the fixture's are 0.011–0.018 (Pearson r ≈ 0.9996 on this random-weight
    /// network at 1/4 resolution; issue 13 measured r ≈ 0.82 on a trained ResNet-18 at layer4, 1/32 resolution).
    /// </summary>
    private const double Different = 0.01;

    private sealed class UpsampleFixture : IDisposable
    {
        private readonly SafeTensors.Contents _contents = Fixtures.Load("explain", "upsample.safetensors");

        public UpsampleFixture()
        {
            // The script rebuilds make_explain.py's model from its seed; the C# side loads the stored weights. Same model?
            MapAssert.Close(Model["model.fc.weight"], this["model.fc.weight"], 0, "the fixture's model");
        }

        public ExplainFixture Model { get; } = new();

        public Tensor this[string key] => _contents.Tensors[key];

        public Tensor Explain(string method, Upsampling upsampling, params string[] layers)
        {
            var options = new ExplainerOptions { Upsampling = upsampling, Layers = layers, BatchSize = 48 };
            using var explainer = ExplainerRegistry.Create(method, Model.Model, options);
            return explainer.Explain(this["images"], this["targets"]);
        }

        public void Dispose()
        {
            Model.Dispose();
            _contents.Dispose();
        }
    }

    [Fact]
    public void AlignCornersScoreCamEqualsPytorchGradCam()
    {
        using var f = new UpsampleFixture();
        using var maps = f.Explain("score-cam", Upsampling.AlignCorners);
        using var reference = SaliencyMaps.Normalize(f["pgc.score-cam"]);
        MapAssert.Close(reference, maps, Tolerance, "score-cam, align-corners vs pytorch-grad-cam");
        MapAssert.IsSaliency(maps, 3, 40, 48, "score-cam, align-corners");
    }

    [Fact]
    public void HalfPixelScoreCamEqualsPytorchGradCamWithHalfPixelMasksAndDiffersFromItsDefault()
    {
        using var f = new UpsampleFixture();
        using var maps = f.Explain("score-cam", Upsampling.HalfPixel);
        using var halfPixel = SaliencyMaps.Normalize(f["pgc.score-cam.half-pixel"]);
        MapAssert.Close(halfPixel, maps, Tolerance, "score-cam, half-pixel vs pytorch-grad-cam with half-pixel masks");
        using var aligned = SaliencyMaps.Normalize(f["pgc.score-cam"]);
        using var gap = maps.Sub(aligned).Abs().Amax([1, 2]);
        Assert.All(gap.ToArray<float>(), g => Assert.True(g > Different, $"half-pixel maps should differ from pytorch-grad-cam's default ones; max |difference| {g:G3}"));
    }

    [Fact]
    public void AlignCornersScoreCamAtTwoLayersUsesPytorchGradCamsClassMaps()
    {
        using var f = new UpsampleFixture();
        using var maps = f.Explain("score-cam", Upsampling.AlignCorners, "block1", "block4");
        MapAssert.Close(f["pgc.score-cam.block1+block4.ocular-post"], maps, Tolerance, "score-cam at block1 + block4, align-corners");
    }

    [Theory]
    [InlineData("cam")]
    [InlineData("grad-cam")]
    [InlineData("grad-cam++")]
    [InlineData("xgrad-cam")]
    [InlineData("hires-cam")]
    [InlineData("layer-cam")]
    [InlineData("eigen-cam")]
    [InlineData("ablation-cam")]
    [InlineData("rise")]
    [InlineData("random")]
    [InlineData("centre-gaussian")]
    public void OtherMethodsAcceptTheOptionAndGiveTheSameMaps(string method)
    {
        Assert.False(ExplainerRegistry.Find(method).UsesUpsampling);
        using var f = new ExplainFixture();
        var options = new ExplainerOptions { RiseMasks = 64, Seed = 3 };
        using var a = ExplainerRegistry.Create(method, f.Model, options);
        using var b = ExplainerRegistry.Create(method, f.Model, options with { Upsampling = Upsampling.AlignCorners });
        using var half = a.Explain(f.Images, f.Targets);
        using var aligned = b.Explain(f.Images, f.Targets);
        MapAssert.Close(half, aligned, 0, method);
        Assert.False(b.Settings.ContainsKey("upsample"), $"{method} should not record a setting it does not use");
    }

    [Fact]
    public void ScoreCamRecordsItsUpsampling()
    {
        Assert.True(ExplainerRegistry.Find("score-cam").UsesUpsampling);
        using var f = new ExplainFixture();
        using var byDefault = ExplainerRegistry.Create("score-cam", f.Model);
        using var aligned = ExplainerRegistry.Create("score-cam", f.Model, new ExplainerOptions { Upsampling = Upsampling.AlignCorners });
        Assert.Equal("half-pixel", byDefault.Settings["upsample"]);
        Assert.Equal("align-corners", aligned.Settings["upsample"]);
    }

    [Fact]
    public void UpsampleAlignsCornersOrCentresPixels()
    {
        // [[0, 1], [2, 3]] to 3 × 4. Aligned corners: rows at 0, ½, 1 and columns at 0, ⅓, ⅔, 1 of the input.
        // Half-pixel: source (o + ½)·2/n − ½, clamped; rows −⅙ → 0, ½, 7/6 → 1; columns −¼ → 0, ¼, ¾, 5/4 → 1.
        using var maps = Tensor.FromArray(new float[] { 0, 1, 2, 3 }, 1, 2, 2);
        using var aligned = SaliencyMaps.Upsample(maps, 3, 4, Upsampling.AlignCorners);
        using var half = SaliencyMaps.Upsample(maps, 3, 4);
        float[] Grid(double[] rows, double[] columns) => [.. rows.SelectMany(r => columns.Select(c => (float)(2 * r + c)))];
        Assert.Equal(Grid([0, 0.5, 1], [0, 1 / 3.0, 2 / 3.0, 1]), aligned.ToArray<float>(), new FloatComparer(1e-6f));
        Assert.Equal(Grid([0, 0.5, 1], [0, 0.25, 0.75, 1]), half.ToArray<float>(), new FloatComparer(1e-6f));
    }

    [Fact]
    public void AnUndefinedUpsamplingIsRefused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ExplainerOptions { Upsampling = (Upsampling)7 }.Validate());
        Assert.Equal("Upsampling", e.ParamName);
    }

    private sealed class FloatComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }
}
