using Ocular.Torch;
using Ocular.Vision.Models;
using Ocular.Vision.Models.Attention;

namespace Ocular.Vision.Tests.Models.Attention;

/// <summary>The conformance checks of reference lfi-cam.md §8 and the zoo names' errors.</summary>
public class AttentionConformanceTests
{
    [Fact]
    public void CifarResNet110ShapesAreThoseOfTheSpecification()
    {
        // §8: CIFAR ResNet-110: F = N×256×8×8, w = N×256, att = N×1×8×8 (LFI-CAM); ABN's map is 16×16 (§3).
        Engine.ManualSeed(0);
        using var lfi = (LfiCam)ModelZoo.Create("lficam_cifar_resnet110", 10);
        lfi.Eval();
        Assert.Equal(("layer3", 256L, FinReluPattern.AfterBn2And4), (lfi.FeatureLayer, lfi.FeatureChannels, lfi.ReluPattern));
        using var x = Tensor.Randn([2, 3, 32, 32]);
        using (Autograd.NoGrad())
        {
            using var split = new DisposableSplit(lfi.Split("layer3"));
            using var features = split.Value.Trunk.Call(x);
            Assert.Equal([2L, 256, 8, 8], features.Shape);
            var branch = lfi.Branch(features, x);
            using (branch.Features)
            using (branch.Map)
            using (branch.Weights)
            {
                Assert.Equal([2L, 256], branch.Weights.Shape);
                Assert.Equal([2L, 1, 8, 8], branch.Map.Shape);
                Assert.Equal([2L, 256, 8, 8], branch.Features.Shape);
                // The channel softmax: every row sums to 1.
                using var sums = branch.Weights.Sum([1]);
                Assert.All(sums.ToArray<float>(), s => Assert.Equal(1f, s, 1e-5f));
                // A ∈ [0, 1] with both ends reached (a non-constant map), F′ = (1 + A) ⊙ F.
                using var min = branch.Map.Amin([1, 2, 3]);
                using var max = branch.Map.Amax([1, 2, 3]);
                Assert.All(min.ToArray<float>(), v => Assert.Equal(0f, v));
                Assert.All(max.ToArray<float>(), v => Assert.Equal(1f, v, 1e-6f));
                using var expected = features.Mul(branch.Map.Add(1));
                TensorAssert.Close(expected, branch.Features, rtol: 1e-6, atol: 1e-6);
            }
        }

        using var abn = (Abn)ModelZoo.Create("abn_cifar_resnet110", 100);
        abn.Eval();
        using (Autograd.NoGrad())
        using (var output = abn.ForwardWithAttention(x))
        {
            Assert.Equal("layer3", abn.AttentionLayer);
            Assert.Equal([2L, 1, 16, 16], output.Map.Shape);
            Assert.Equal([2L, 100], output.Logits.Shape);
            Assert.Equal([2L, 100], output.BranchLogits!.Shape);
        }
    }

    [Fact]
    public void ResNet50AtConv1Stride1Gives14By14Maps()
    {
        // §8: ImageNet ResNet-50 at conv1 stride 1: F = N×2048×14×14, att = N×1×14×14; the FIN has 151 M weights (§2.3).
        Engine.ManualSeed(0);
        using var model = (LfiCam)ModelZoo.Create("lficam_resnet50", 3);
        model.Eval();
        Assert.Equal(150_994_944L, model.NamedParameters().Where(p => p.Path.StartsWith("att_conv", StringComparison.Ordinal)).Sum(p => p.Parameter.NumEl));
        Assert.Equal(model.Parameters().Sum(p => p.NumEl), ModelZoo.Describe("lficam_resnet50").ParameterCount(3));
        Assert.Equal(1, ((Torch.Nn.Conv2d)model.GetSubmodule("conv1")).Stride.H);
        using var x = Tensor.Randn([1, 3, 224, 224]);
        using (Autograd.NoGrad())
        using (var output = model.ForwardWithAttention(x))
        {
            Assert.Equal([1L, 1, 14, 14], output.Map.Shape);
            Assert.Equal([1L, 3], output.Logits.Shape);
        }
        // _stem2: torchvision's stride 2, 7×7 maps (the March-2021 code).
        Assert.Contains("conv1 stride 2", ModelZoo.Describe("lficam_resnet50_stem2").Description, StringComparison.Ordinal);
    }

    [Fact]
    public void NormalisationFollowsTheNaNRules()
    {
        // §8: a constant non-zero channel normalises to all 1s, an all-zero channel stays 0, zeros of F stay 0;
        // a constant attention map keeps its pre-normalisation value.
        using var features = Tensor.FromArray(new float[]
        {
            2, 2, 2, 2,      // constant non-zero → 1
            0, 0, 0, 0,      // all zero → 0
            0, 1, 3, 5,      // min 0 → (v − 0)/5, and F == 0 → 0
            -1, 0, 1, 3,     // zeros of F → 0 even where the normalised value is not
        }, 1, 4, 2, 2);
        using var normalised = LfiCam.NormaliseFeatures(features);
        Assert.Equal([1f, 1, 1, 1, 0, 0, 0, 0, 0, 0.2f, 0.6f, 1, 0, 0, 0.5f, 1], normalised.ToArray<float>());

        using var maps = Tensor.FromArray(new float[] { 0.3f, 0.3f, 0.3f, 0.3f, 1, 2, 3, 5 }, 2, 1, 2, 2);
        using var normalisedMaps = LfiCam.NormaliseMap(maps);
        Assert.Equal([0.3f, 0.3f, 0.3f, 0.3f, 0, 0.25f, 0.5f, 1], normalisedMaps.ToArray<float>());
    }

    [Fact]
    public void GradientsReachTheBackboneThroughBothPathsWithoutNaN()
    {
        // §2.3: nothing is detached: dL/dF has the direct path (1 + A) and the path through A (and through the FIN's
        // normalised features); a constant non-zero channel gives a finite gradient (the original's 0/0 repair does not).
        Engine.ManualSeed(1);
        using var model = (LfiCam)ModelZoo.Create("lficam_cifar_resnet20", 10);
        model.Train();
        using var features = Tensor.Rand([2, 64, 8, 8]).Mul(2);
        using (var constant = features.Narrow(1, 0, 1)) constant.Fill_(0.7);
        features.RequiresGrad_();
        using var image = Tensor.Randn([2, 3, 32, 32]);
        var branch = model.Branch(features, image);
        using var loss = branch.Features.Pow(2).Sum();
        var grads = Autograd.Grad([loss], [features]);
        using var full = grads[0]!;
        using var direct = branch.Features.Mul(2).Mul(branch.Map.Add(1));   // what dL/dF would be with A detached
        using var finite = full.IsFinite().All();
        Assert.True(finite.Item<bool>(), "the gradient of the features has NaN or infinity");
        using var difference = full.Sub(direct).Abs().Max();
        Assert.True(difference.Item<float>() > 1e-3f, "dL/dF equals the direct path's: the attention path carries no gradient");
        branch.Features.Dispose();
        branch.Map.Dispose();
        branch.Weights.Dispose();

        // End to end: the loss reaches conv1 and every FIN layer.
        using var x = Tensor.Randn([4, 3, 32, 32]);
        using var labels = Tensor.FromArray(new long[] { 0, 1, 2, 3 }, 4);
        using (var output = model.ForwardWithAttention(x))
        using (var total = model.Loss(output, labels))
            total.Backward();
        foreach (var name in new[] { "conv1.weight", "att_conv1.weight", "att_conv4.weight", "att_bn4.weight", "fc.weight" })
        {
            var grad = model.NamedParameters().Single(p => p.Path == name).Parameter.Grad!;
            using var norm = grad.Abs().Sum();
            Assert.True(norm.Item<float>() > 0, $"{name} received no gradient");
        }
    }

    [Fact]
    public void EveryZooBackboneWithALastStageTakesBothBranches()
    {
        Engine.ManualSeed(0);
        foreach (var name in new[] { "lficam_compact_cnn", "abn_compact_cnn", "abn_resnet18", "lficam_cifar_resnet20_relu4" })
        {
            using var model = (AttentionClassifier)ModelZoo.Create(name, 4);
            Assert.Equal(name, model.Architecture);
            Assert.Equal(model.Parameters().Sum(p => p.NumEl), ModelZoo.Describe(name).ParameterCount(4));
            model.Eval();
            var size = model.DefaultInputSize;
            using var x = Tensor.Randn([1, 3, size, size]);
            using var noGrad = Autograd.NoGrad();
            using var output = model.ForwardWithAttention(x);
            Assert.Equal([1L, 4], output.Logits.Shape);
            Assert.Equal(model is Abn, output.BranchLogits is not null);
            // Pools follow the map: the same model runs at another input size (§7.6).
            using var larger = Tensor.Randn([1, 3, size * 2, size * 2]);
            using var logits = model.Call(larger);
            Assert.Equal([1L, 4], logits.Shape);
        }
    }

    [Fact]
    public void BadNamesFailWithOneClearMessage()
    {
        var vgg = Assert.Throws<UnsupportedBackboneException>(() => ModelZoo.Describe("abn_vgg16"));
        Assert.Contains("abn cannot attach to vgg16", vgg.Message, StringComparison.Ordinal);
        Assert.Contains("resnet18/34/50/101/152, cifar_resnet<depth>, compact_cnn", vgg.Message, StringComparison.Ordinal);
        Assert.Throws<UnsupportedBackboneException>(() => ModelZoo.Create("lficam_alexnet"));
        Assert.Throws<UnsupportedBackboneException>(() => ModelZoo.Create("lficam_abn_resnet18"));
        var stem = Assert.Throws<ArgumentException>(() => ModelZoo.Describe("lficam_compact_cnn_stem2"));
        Assert.Contains("applies to the torchvision ResNets", stem.Message, StringComparison.Ordinal);
        Assert.Throws<UnknownArchitectureException>(() => ModelZoo.Describe("lficam_resnet19"));
        Assert.Equal("lficam_resnet50_stem2", AttentionArchitectures.Name("resnet50", "LFI-CAM", 2));
        Assert.Equal("lficam_cifar_resnet20_relu4", AttentionArchitectures.Name("cifar_resnet20", "lfi-cam", null, FinReluPattern.AfterEveryBn));
        Assert.Equal("abn_resnet18", AttentionArchitectures.Name("resnet18", "abn"));
        Assert.Throws<ArgumentException>(() => AttentionArchitectures.Name("resnet18", "abn", 1));
        Assert.Throws<ArgumentException>(() => AttentionArchitectures.Name("resnet18", "gradcam"));
    }

    [Fact]
    public void TheHeadAfterTheLfiBranchNeedsTheImage()
    {
        Engine.ManualSeed(0);
        using var model = ModelZoo.Create("lficam_compact_cnn", 3);
        model.Eval();
        using var split = new DisposableSplit(model.Split("block4"));
        Assert.True(split.Value.Head.NeedsImage);
        Assert.False(split.Value.Trunk.NeedsImage);
        using var x = Tensor.Randn([2, 3, 64, 64]);
        using var noGrad = Autograd.NoGrad();
        using var features = split.Value.Trunk.Call(x);
        var error = Assert.Throws<InvalidOperationException>(() => split.Value.Head.Call(features));
        Assert.Contains("reads the model's input image", error.Message, StringComparison.Ordinal);
        using var logits = split.Value.Head.Forward(features, x);
        using var whole = model.Call(x);
        TensorAssert.Close(whole, logits, rtol: 1e-6, atol: 1e-6);
    }

    private sealed class DisposableSplit(ModelSplit split) : IDisposable
    {
        public ModelSplit Value => split;

        public void Dispose()
        {
            split.Trunk.Dispose();
            split.Head.Dispose();
        }
    }
}
