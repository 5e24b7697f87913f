using Ocular.Explain.Learned.AttentionMap;
using Ocular.Torch;
using Ocular.Vision.Models;
using Ocular.Vision.Models.Attention;

namespace Ocular.Explain.Tests.AttentionMap;

/// <summary>The lfi-cam and abn explainers, and the post-hoc methods on the same models (issue 14, item 3).</summary>
public class AttentionMapExplainerTests
{
    [Theory]
    [InlineData("lficam_compact_cnn", "lfi-cam")]
    [InlineData("abn_compact_cnn", "abn")]
    public void TheMapIsTheModelsOwnUpsampledAndNormalised(string architecture, string method)
    {
        Engine.ManualSeed(0);
        using var model = (AttentionClassifier)ModelZoo.Create(architecture, 4);
        model.Eval();
        using var x = Tensor.Randn([3, 3, 64, 64]);
        using var targets = Tensor.FromArray(new long[] { 0, 1, 3 }, 3);
        using var explainer = ExplainerRegistry.Create(method, model);
        Assert.IsType<AttentionMapExplainer>(explainer);
        using var maps = explainer.Explain(x, targets);
        Assert.Equal([3L, 64, 64], maps.Shape);

        using var noGrad = Autograd.NoGrad();
        using var output = model.ForwardWithAttention(x);
        Assert.Equal([3L, 1, 16, 16], output.Map.Shape);
        using var squeezed = output.Map.Squeeze(1);
        using var upsampled = SaliencyMaps.Upsample(squeezed, 64, 64);
        using var expected = SaliencyMaps.Normalize(upsampled);
        Assert.True(expected.AllClose(maps, 1e-6, 1e-6));
        using var min = maps.Amin([1, 2]);
        using var max = maps.Amax([1, 2]);
        Assert.All(min.ToArray<float>(), v => Assert.Equal(0f, v));
        Assert.All(max.ToArray<float>(), v => Assert.Equal(1f, v, 1e-6f));

        // Class-agnostic: other targets give the same maps.
        using var others = Tensor.FromArray(new long[] { 2, 2, 2 }, 3);
        using var again = explainer.Explain(x, others);
        Assert.True(again.Equal(maps));
    }

    [Theory]
    [InlineData("lficam_compact_cnn", "grad-cam")]
    [InlineData("lficam_compact_cnn", "ablation-cam")]
    [InlineData("lficam_compact_cnn", "score-cam")]
    [InlineData("abn_compact_cnn", "grad-cam")]
    [InlineData("abn_compact_cnn", "ablation-cam")]
    [InlineData("lficam_cifar_resnet20", "layer-cam")]
    public void PostHocMethodsExplainTheSameModels(string architecture, string method)
    {
        Engine.ManualSeed(0);
        using var model = ModelZoo.Create(architecture, 4);
        model.Eval();
        var size = model.DefaultInputSize;
        using var x = Tensor.Randn([2, 3, size, size]);
        using var targets = Tensor.FromArray(new long[] { 1, 2 }, 2);
        using var explainer = ExplainerRegistry.Create(method, model, new ExplainerOptions { BatchSize = 64 });
        using var maps = explainer.Explain(x, targets);
        Assert.Equal([2L, size, size], maps.Shape);
        using var max = maps.Amax([1, 2]);
        Assert.All(max.ToArray<float>(), v => Assert.Equal(1f, v, 1e-6f));
    }

    [Fact]
    public void GradientsAtTheBranchLayerGoThroughTheBranch()
    {
        // HiResCAM at block4 of an LFI-CAM classifier differentiates through the branch (which reads the image): the
        // element-wise gradient carries the (1 + A) factor, so the map differs from that of a plain compact CNN with the
        // same backbone weights. (Grad-CAM's spatially averaged weights would hide it: with a near-uniform FIN at
        // initialisation they are the plain model's times a constant, which min–max removes.)
        Engine.ManualSeed(0);
        using var lfi = ModelZoo.Create("lficam_compact_cnn", 4);
        using var plain = ModelZoo.Create("compact_cnn", 4);
        using (var state = new StateDict(lfi)) plain.LoadStateDict(state.Value.Where(kv => !((AttentionClassifier)lfi).IsBranchKey(kv.Key)).ToDictionary(), strict: true);
        lfi.Eval();
        plain.Eval();
        using var x = Tensor.Randn([1, 3, 64, 64]);
        using var targets = Tensor.FromArray(new long[] { 2 }, 1);
        using var a = ExplainerRegistry.Create("hires-cam", lfi);
        using var b = ExplainerRegistry.Create("hires-cam", plain);
        using var mapA = a.Explain(x, targets);
        using var mapB = b.Explain(x, targets);
        using var difference = mapA.Sub(mapB).Abs().Max();
        Assert.True(difference.Item<float>() > 1e-3f);
    }

    [Fact]
    public void TheWrongModelIsRefusedByName()
    {
        using var plain = ModelZoo.Create("compact_cnn", 4);
        var error = Assert.Throws<ArgumentException>(() => ExplainerRegistry.Create("lfi-cam", plain));
        Assert.Contains("compact_cnn is not one", error.Message, StringComparison.Ordinal);
        Assert.Contains("--attention lfi-cam", error.Message, StringComparison.Ordinal);
        using var abn = ModelZoo.Create("abn_compact_cnn", 4);
        var other = Assert.Throws<ArgumentException>(() => ExplainerRegistry.Create("lfi-cam", abn));
        Assert.Contains("abn_compact_cnn is an abn classifier (explain it with the method abn)", other.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LCamFmRefusesAHeadThatReadsTheImage()
    {
        using var lfi = ModelZoo.Create("lficam_compact_cnn", 4);
        using var attention = new Learned.LCam.SingleLayerAttention(128, 4);
        var error = Assert.Throws<ArgumentException>(() =>
            new Learned.LCam.LCamNetwork(lfi, Vision.ImageNormalization.Identity, Learned.LCam.LCamVariant.Fm, ["block4"], attention, freeze: true));
        Assert.All(lfi.Parameters(), p => Assert.True(p.RequiresGrad));   // refused before anything was frozen
        Assert.Contains("use L-CAM-Img", error.Message, StringComparison.Ordinal);
    }

    private sealed class StateDict(Torch.Nn.Module module) : IDisposable
    {
        public Dictionary<string, Tensor> Value { get; } = module.StateDict();

        public void Dispose()
        {
            foreach (var t in Value.Values) t.Dispose();
        }
    }
}
