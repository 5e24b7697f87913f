using Ocular.Torch;

namespace Ocular.Explain.Tests;

/// <summary>
/// Every post-hoc method in bfloat16 autocast (docs/precision.md) on the fixture model: float32 saliency maps of the input's
/// size whose Pearson correlation with the float32 maps is at least 0.99 (observed ≥ 0.9999 on this model), for the
/// perturbation methods that auto runs in bf16 and for the rest, which run in bf16 only when asked; and <c>auto</c> picks bf16 only for
/// the perturbation methods and only where the processor has native bfloat16 (detection forced both ways).
/// </summary>
[Collection(GlobalStateCollection.Name)]   // sets OCULAR_NATIVE_BF16
public class PrecisionTests
{
    public static TheoryData<string, double> Methods => new()
    {
        { "score-cam", 0.99 }, { "ablation-cam", 0.99 }, { "rise", 0.99 },
        { "cam", 0.99 }, { "grad-cam", 0.99 }, { "grad-cam++", 0.99 }, { "xgrad-cam", 0.99 }, { "hires-cam", 0.99 },
        { "layer-cam", 0.99 }, { "eigen-cam", 0.99 },
    };

    [Theory]
    [MemberData(nameof(Methods))]
    public void Bfloat16MapsCorrelateWithFloat32Maps(string method, double minimumR)
    {
        using var f = new ExplainFixture();
        var options = new ExplainerOptions { BatchSize = 48, RiseMasks = 512, Seed = 3 };
        using var fp32 = ExplainerRegistry.Create(method, f.Model, options);
        using var bf16 = ExplainerRegistry.Create(method, f.Model, options with { Precision = Precision.Bf16 });
        using var expected = fp32.Explain(f.Images, f.Targets);
        using var maps = bf16.Explain(f.Images, f.Targets);
        Assert.Equal("bf16", bf16.Settings["precision"]);
        Assert.Equal("fp32", fp32.Settings["precision"]);
        MapAssert.IsSaliency(maps, 3, 32, 32, method);
        Assert.False(Autocast.IsEnabled);   // the scope was left
        var differs = false;
        for (var n = 0; n < 3; n++)
        {
            using var a = maps.Select(0, n);
            using var e = expected.Select(0, n);
            var (x, y) = (a.ToArray<float>(), e.ToArray<float>());
            differs |= !x.SequenceEqual(y);
            var r = MapAssert.Pearson(x, y);
            Assert.True(r >= minimumR, $"{method} image {n}: Pearson r = {r:F4} between the bf16 and fp32 maps (at least {minimumR} expected)");
        }
        Assert.True(differs, $"{method}: the bf16 maps equal the fp32 maps exactly: autocast did not run");
    }

    [Fact]
    public void ExplainersLayOutTheModelChannelsLastWithoutChangingItsOutputs()
    {
        using var f = new ExplainFixture();
        var convWeights = f.Model.Parameters().Where(p => p.Dim == 4).ToList();
        Assert.NotEmpty(convWeights);
        Assert.All(convWeights, w => Assert.False(w.IsChannelsLast));
        using var input = f.Images.ToChannelsLast();   // what every explainer pass feeds the model
        using var before = f.Model.Call(input);
        using var explainer = ExplainerRegistry.Create("score-cam", f.Model, new ExplainerOptions());
        Assert.All(convWeights, w => Assert.True(w.IsChannelsLast));
        using var after = f.Model.Call(input);
        Assert.Equal(before.ToArray<float>(), after.ToArray<float>());   // only the layout changed: the same values, bit for bit
    }

    [Fact]
    public void AutoPicksBfloat16OnlyForPerturbationMethodsAndOnlyWithNativeSupport()
    {
        using var f = new ExplainFixture();
        var saved = Environment.GetEnvironmentVariable(CpuFeatures.NativeBf16Variable);
        try
        {
            var options = new ExplainerOptions { Precision = Precision.Auto };
            Environment.SetEnvironmentVariable(CpuFeatures.NativeBf16Variable, "1");
            foreach (var (method, expected) in new[] { ("score-cam", "bf16"), ("rise", "bf16"), ("ablation-cam", "fp32"), ("grad-cam", "fp32"), ("cam", "fp32"), ("eigen-cam", "fp32") })
            {
                using var explainer = ExplainerRegistry.Create(method, f.Model, options);
                Assert.Equal(expected, explainer.Settings["precision"]);
            }
            Environment.SetEnvironmentVariable(CpuFeatures.NativeBf16Variable, "0");
            foreach (var method in new[] { "score-cam", "ablation-cam", "rise", "grad-cam" })
            {
                using var explainer = ExplainerRegistry.Create(method, f.Model, options);
                Assert.Equal("fp32", explainer.Settings["precision"]);
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable(CpuFeatures.NativeBf16Variable, saved);
        }
    }

    [Fact]
    public void AnUnknownPrecisionIsRefused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ExplainerOptions { Precision = (Precision)7 }.Validate());
        Assert.Contains("precision", e.Message);
    }
}
