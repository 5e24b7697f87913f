using Ocular.Explain.Learned.LCam;
using Ocular.Torch;
using Ocular.Vision;
using Ocular.Vision.Models;
using Ocular.Vision.Tests;

namespace Ocular.Explain.Tests.LCam;

/// <summary>
/// The forward passes of L-CAM-Img and of TAME's attention mechanism against the original modules
/// (tests/fixtures/lcam/make_reference_forward.py runs bmezaris/L-CAM's <c>ResNet50_L_CAM_Img.py</c> and bmezaris/TAME's
/// <c>AttentionTAME</c>). Tolerance (float32): |Δ| ≤ 1e-5·|expected| + 1e-5·max|expected| per tensor.
/// </summary>
public class ReferenceForwardTests
{
    private const double Tol = 1e-5;
    private const int SavedClasses = 16;

    [Fact]
    public void LCamImgEqualsTheOriginalResNetModule()
    {
        using var f = Fixtures.Load("lcam", "reference_forward.safetensors");
        // The weights and the input are the formula of tests/fixtures/models (the fixture stores none of them).
        using var model = ModelZoo.Create("resnet18", 1000);
        ModelFormula.Apply(model);
        var attention = new SingleLayerAttention(512, 1000);
        ModelFormula.Apply(attention);
        using var network = new LCamNetwork(model, ImageNormalization.ImageNet, LCamVariant.Img, ["layer4"], attention);
        using var formula = ModelFormula.Input(2, 3, 224);
        using var shifted = formula.Add(1);
        using var raw = shifted.Div(2);
        var targets = f.Tensors["img.labels"];

        using var scope = DisposeScope.Enter();
        var (features, logits) = network.Features(network.Normalization.Apply(raw));
        TensorAssert.Close(f.Tensors["img.logits"], logits, Tol, Tol, "clean logits (train=False)");
        using (Autograd.NoGrad())
            TensorAssert.Close(f.Tensors["img.c"], network.Attention.Logits(features).Narrow(1, 0, SavedClasses), Tol, Tol, "logit maps c");

        // The training pass: own map a[n, y_n] (flat index n·1000 + y_n), upsampled into the raw image, normalised, whole network.
        var (a, masked) = network.MaskedForward(features, targets, raw);
        TensorAssert.Close(f.Tensors["img.own"], LCamLoss.OwnMaps(a, targets), Tol, Tol, "own attention maps");
        TensorAssert.Close(f.Tensors["img.masked_logits"], masked, Tol, Tol, "logits of the masked image (train=True)");

        // get_loss on get_a(labels): the original training script's cross-label masks.
        var (loss, _) = network.Loss(features, targets, raw, LCamLossWeights.Reference, MaskLossSelection.CrossLabel);
        var terms = Tensor.Stack([loss.Total, loss.CrossEntropy, loss.Area, loss.TotalVariation]).To(ScalarType.Float64);
        TensorAssert.Close(f.Tensors["img.loss"], terms, Tol, 0, "loss terms (total, CE, area, TV)");
    }

    [Theory]
    [InlineData("tame", 3, SavedClasses)]
    [InlineData("tame_cap", 2, 2)]
    public void TameAttentionEqualsTheOriginalModuleInBothModes(string fixture, int layers, int savedClasses)
    {
        using var f = Fixtures.Load("lcam", "reference_forward.safetensors");
        var features = Enumerable.Range(0, layers).Select(i => f.Tensors[$"{fixture}.in.{i}"]).ToArray();
        using var tame = new TameAttention([.. features.Select(t => t.Size(1))], 1000);
        var prefix = fixture + ".w.";
        tame.LoadStateDict(f.Tensors.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value), strict: true);

        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        tame.Eval();
        var c = tame.Logits(features);
        Assert.Equal(fixture == "tame" ? new long[] { 2, 1000, 8, 8 } : [1, 1000, TameAttention.MaxMapSide, TameAttention.MaxMapSide], c.Shape);
        TensorAssert.Close(f.Tensors[$"{fixture}.eval.c"], c.Narrow(1, 0, savedClasses), Tol, Tol, "eval-mode logit maps");

        // Training mode: the AM's own batch norms use batch statistics and update their running statistics.
        tame.Train();
        TensorAssert.Close(f.Tensors[$"{fixture}.train.c"], tame.Logits(features).Narrow(1, 0, savedClasses), Tol, Tol, "train-mode logit maps");
        var state = tame.StateDict();
        for (var i = 0; i < layers; i++)
            foreach (var statistic in new[] { "running_mean", "running_var" })
                TensorAssert.Close(f.Tensors[$"{fixture}.train.bn{i}.{statistic}"], state[$"bn{i}.{statistic}"], Tol, Tol, $"bn{i}.{statistic} after one training pass");
    }
}
