using Ocular.Evaluation.Reports;
using Ocular.Explain;
using Ocular.TestSupport;
using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Datasets;
using Ocular.Vision.Models;

namespace Ocular.Evaluation.Tests;

/// <summary>
/// Metric scoring in bfloat16 (docs/precision.md): the scorer's logits come back float32 and close to float32's; an
/// evaluation in bf16 records what ran (results.json's settings and each method), and every metric's value stays within
/// the tolerances docs/precision.md states for a run of this size.
/// </summary>
[Collection(GlobalStateCollection.Name)]
public sealed class PrecisionTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _checkpoint;

    public PrecisionTests() => _checkpoint = TinyCheckpoint.Create(_dir.Path);

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void TheScorerReturnsFloat32LogitsCloseToFloat32s()
    {
        using var loaded = ClassifierCheckpoint.Load(_checkpoint);
        var data = DataSpec.Parse(EvaluatorTests.ShapesSpec).Open(DataSplit.Test);
        using var images = Tensor.Stack([.. Enumerable.Range(0, 8).Select(i => loaded.Metadata.Preprocessing(normalise: false).Apply(data.Get(i).Image))]);
        var fp32 = new ModelScorer(x => loaded.Model.Call(x), loaded.Metadata.Normalization, 3);
        var bf16 = new ModelScorer(x => loaded.Model.Call(x), loaded.Metadata.Normalization, 3, Precision.Bf16);
        using var expected = fp32.Logits(images);
        using var logits = bf16.Logits(images);
        Assert.Equal(ScalarType.Float32, logits.DType);
        Assert.Equal(expected.Shape, logits.Shape);
        using var difference = logits.Sub(expected).Abs().Max();
        using var range = expected.Abs().Max();
        var (d, r) = (difference.Item<float>(), range.Item<float>());
        Assert.True(d > 0, "bf16 logits equal float32's exactly: autocast did not run");
        Assert.True(d <= 0.02 * r + 0.02, $"bf16 logits differ from float32's by {d} (logit range ±{r})");
        Assert.False(Autocast.IsEnabled);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ModelScorer(x => x, loaded.Metadata.Normalization, 3, Precision.Auto));
    }

    private EvaluationResult Evaluate(Precision precision)
    {
        using var loaded = ClassifierCheckpoint.Load(_checkpoint);
        var data = DataSpec.Parse(EvaluatorTests.ShapesSpec).Open(DataSplit.Test);
        var options = new ExplainerOptions { Precision = precision, BatchSize = 16 };
        MethodSource[] methods =
        [
            MethodSource.Explainer("score-cam", m => ExplainerRegistry.Create("score-cam", m, options)),
            MethodSource.Explainer("grad-cam", m => ExplainerRegistry.Create("grad-cam", m, options)),
            MethodSource.Explainer("random", m => ExplainerRegistry.Create("random", m, options)),
        ];
        var settings = new EvaluationSettings { Metrics = ["ad", "ic", "ag", "deletion", "insertion", "road"], RoadPercent = [20, 50], BatchSize = 8, Precision = precision };
        return new Evaluator(loaded.Model, loaded.Metadata).Run(data, methods, settings, new EvaluationRunInfo("tiny", EvaluatorTests.ShapesSpec, "test"));
    }

    [Fact]
    public void ABfloat16EvaluationRecordsItsPrecisionAndStaysWithinTheStatedTolerances()
    {
        var fp32 = Evaluate(Precision.Fp32);
        var bf16 = Evaluate(Precision.Bf16);
        Assert.Equal("fp32", fp32.ScoringPrecision);
        Assert.Equal("bf16", bf16.ScoringPrecision);
        Assert.Equal(new Dictionary<string, string> { ["score-cam"] = "bf16", ["grad-cam"] = "bf16" }, bf16.MethodPrecisions);
        var json = ResultsJson.Render(bf16);
        Assert.Contains("\"precision\": \"bf16\"", json);
        Assert.Contains("\"scoring_precision\": \"bf16\"", json);
        Assert.Contains("\"precision\": null", json);   // the random baseline runs no network
        Assert.Contains("metrics bf16; score-cam bf16; grad-cam bf16", HtmlReport.Render(bf16));

        // docs/precision.md: percentages (AD, AG, ROAD) within 2 points, AUCs within 0.02, IC within one image's flip.
        var images = fp32.Images.Count;
        var differs = false;
        for (var m = 0; m < fp32.Methods.Count; m++)
            foreach (var (key, expected) in fp32.Methods[m].Summary)
            {
                var actual = bf16.Methods[m].Summary[key];
                differs |= actual != expected;
                var tolerance = key.StartsWith("ic", StringComparison.Ordinal) ? 100.0 / images + 1e-9
                              : key.StartsWith("deletion", StringComparison.Ordinal) || key.StartsWith("insertion", StringComparison.Ordinal) ? 0.02
                              : 2.0;
                Assert.True(Math.Abs(actual - expected) <= tolerance, $"{fp32.Methods[m].Name} {key}: bf16 {actual:G5}, fp32 {expected:G5} (tolerance {tolerance})");
            }
        Assert.True(differs, "every value is identical: the bf16 run did not run in bf16");
    }
}
