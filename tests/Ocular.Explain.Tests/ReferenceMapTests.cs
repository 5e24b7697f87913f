using Ocular.Torch;

namespace Ocular.Explain.Tests;

/// <summary>
/// Every method's maps on the fixture model and images equal the maps make_explain.py computed from the published
/// definitions in PyTorch (full forward passes with hooks, one masked or ablated copy per channel, scikit-image-style
/// RISE masks). Tolerance: 5e-5 absolute on maps in [0, 1] (observed ≤ 1e-6) — float32 with different reduction orders and memory
/// layouts (the explainers run channels-last), amplified by the per-image min–max.
/// </summary>
public class ReferenceMapTests
{
    private const double Tolerance = 5e-5;

    public static TheoryData<string, string, string[], string> Cases => new()
    {
        { "cam", "cam", [], "" },
        { "grad-cam", "grad-cam", [], "" },
        { "grad-cam++", "grad-cam++", [], "" },
        { "grad-cam++.probability", "grad-cam++", [], "probability" },
        { "xgrad-cam", "xgrad-cam", [], "" },
        { "hires-cam", "hires-cam", [], "" },
        { "layer-cam", "layer-cam", [], "" },
        { "eigen-cam", "eigen-cam", [], "" },
        { "eigen-cam.sign", "eigen-cam", [], "sign" },
        { "score-cam", "score-cam", [], "" },
        { "score-cam.class-probability", "score-cam", [], "class-probability" },
        { "ablation-cam", "ablation-cam", [], "" },
        { "grad-cam.block4.1", "grad-cam", ["block4.1"], "" },
        { "grad-cam.block3+block4", "grad-cam", ["block4", "block3"], "" },
        { "layer-cam.block2+block3.1+block4", "layer-cam", ["block2", "block3.1", "block4"], "" },
        { "ablation-cam.block3.1", "ablation-cam", ["block3.1"], "" },
        { "grad-cam.aug-smooth", "grad-cam", [], "aug-smooth" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MapsEqualThePyTorchReference(string key, string method, string[] layers, string variant)
    {
        using var f = new ExplainFixture();
        var options = new ExplainerOptions
        {
            Layers = layers,
            BatchSize = 48,   // not a divisor of 128 channels: exercises a partial last batch
            Score = variant == "probability" ? ClassScore.Probability : null,
            ScoreCamWeighting = variant == "class-probability" ? ScoreCamWeighting.ClassProbability : ScoreCamWeighting.ChannelSoftmax,
            EigenSignCorrection = variant == "sign",
            AugSmooth = variant == "aug-smooth",
        };
        using var explainer = ExplainerRegistry.Create(method, f.Model, options);
        using var maps = explainer.Explain(f.Images, f.Targets);
        MapAssert.Close(f[key], maps, Tolerance, key);
        MapAssert.IsSaliency(maps, 3, 32, 32, key);
    }

    [Fact]
    public void RiseEqualsThePyTorchReferenceWithTheSameMasks()
    {
        using var f = new ExplainFixture();
        var options = new ExplainerOptions { RiseMasks = 256, RiseGridSize = 7, RiseKeepProbability = 0.5, Seed = 11, BatchSize = 100 };
        using var explainer = ExplainerRegistry.Create("rise", f.Model, options);
        using var maps = explainer.Explain(f.Images, f.Targets);
        MapAssert.Close(f["rise"], maps, Tolerance, "rise");
        MapAssert.IsSaliency(maps, 3, 32, 32, "rise");
    }
}
