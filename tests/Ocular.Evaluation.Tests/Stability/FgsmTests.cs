using Ocular.Evaluation.Stability;
using Ocular.Torch;

namespace Ocular.Evaluation.Tests.Stability;

/// <summary>FGSM in raw pixel space against PyTorch (make_stability.py: the tiny classifier, ε = 0.05).</summary>
public class FgsmTests
{
    private const double Epsilon = 0.05;

    [Fact]
    public void MatchesPyTorchAndMovesEveryPixelByEpsilonOrToTheClamp()
    {
        using var fixture = Fixtures.Load("evaluation", "stability.safetensors");
        var tiny = new TinyModel(fixture);
        var scorer = tiny.Scorer();
        var raw = fixture.Tensors["fgsm_raw"];
        using var adversarial = Fgsm.Attack(tiny.Logits, scorer.Normalization, raw, fixture.Tensors["fgsm_labels"], Epsilon);
        Assert.Equal(raw.Shape, adversarial.Shape);
        Assert.False(adversarial.RequiresGrad);
        var want = fixture.Tensors["fgsm_adv"].ToArray<float>();
        var got = adversarial.ToArray<float>();
        var x = raw.ToArray<float>();
        for (var i = 0; i < got.Length; i++)
        {
            Assert.Equal(want[i], got[i], 1e-6f);
            var step = got[i] - x[i];
            var moved = Math.Abs(Math.Abs(step) - Epsilon) < 1e-6;
            var clamped = got[i] is 0f or 1f && Math.Abs(step) <= Epsilon + 1e-6;
            Assert.True(moved || clamped, $"pixel {i}: {x[i]} → {got[i]}");
        }
        // The saturated corner of image 0 cannot go above 1: some of its pixels stay at 1 (clamped).
        Assert.Contains(got.Take(16), v => v == 1f);
    }

    [Fact]
    public void TheAttackLowersTheTrueClassProbabilityOfEveryImage()
    {
        using var fixture = Fixtures.Load("evaluation", "stability.safetensors");
        var tiny = new TinyModel(fixture);
        var scorer = tiny.Scorer();
        var raw = fixture.Tensors["fgsm_raw"];
        var labels = fixture.Tensors["fgsm_labels"];
        using var adversarial = Fgsm.Attack(tiny.Logits, scorer.Normalization, raw, labels, Epsilon);
        using var clean = Predictions.Of(scorer, raw);
        using var attacked = Predictions.Of(scorer, adversarial);
        // FGSM raises the loss of the true class: its probability drops on every image.
        using var cleanTrue = clean.Probabilities.Gather(1, labels.Unsqueeze(1));
        using var attackedTrue = attacked.Probabilities.Gather(1, labels.Unsqueeze(1));
        var before = cleanTrue.ToArray<float>();
        var after = attackedTrue.ToArray<float>();
        for (var i = 0; i < before.Length; i++) Assert.True(after[i] < before[i], $"image {i}: p(true) {before[i]} → {after[i]}");
    }

    [Fact]
    public void UnlabelledImagesAndBadEpsilonAreRefused()
    {
        using var fixture = Fixtures.Load("evaluation", "stability.safetensors");
        var tiny = new TinyModel(fixture);
        var raw = fixture.Tensors["fgsm_raw"];
        using var unlabelled = Tensor.FromArray(new long[] { 0, -1, 2 });
        var e = Assert.Throws<ArgumentException>(() => Fgsm.Attack(tiny.Logits, tiny.Scorer().Normalization, raw, unlabelled, Epsilon));
        Assert.Contains("unlabelled", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Fgsm.Attack(tiny.Logits, tiny.Scorer().Normalization, raw, fixture.Tensors["fgsm_labels"], 0));
    }
}
