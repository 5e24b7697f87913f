using Ocular.Torch;
using Ocular.Torch.Jit;
using Ocular.Vision.Models.TorchScript;

namespace Ocular.Explain.Tests.TorchScript;

/// <summary>
/// Models Ocular does not re-implement, loaded from TorchScript, against PyTorch and pytorch-grad-cam run on the same
/// models, weights, layers and images (tests/fixtures/torchscript/make_zoo_models.py): a scripted DenseNet-121, a traced
/// MobileNet-V2 (a layer inside an inverted residual block) and a scripted custom CNN with branches, a skip connection
/// and an in-place ReLU. Logits within 1e-4 of the largest (relative); every map's Pearson correlation with
/// pytorch-grad-cam's ≥ 0.99 per image (the two normalise before and after upsampling respectively).
/// </summary>
public class TorchScriptConformanceTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var model in new[] { "densenet121_scripted", "mobilenet_v2_traced", "branchy_filled_scripted" })
            foreach (var method in new[] { "grad-cam", "grad-cam++", "score-cam", "ablation-cam", "layer-cam" })
                data.Add(model, method);
        return data;
    }

    /// <summary>The fixture script's weights: tensor i of parameters then buffers from Generator(1000 + i) (make_zoo_models.py's fill).</summary>
    internal static void Fill(ScriptModule model)
    {
        var tensors = model.Parameters().Concat(model.Buffers()).ToList();
        using var noGrad = Autograd.NoGrad();
        for (var i = 0; i < tensors.Count; i++)
        {
            var (name, t) = tensors[i];
            using (t)
            {
                if (name.EndsWith("num_batches_tracked", StringComparison.Ordinal)) continue;
                using var g = new Generator((ulong)(1000 + i));
                using var value = name.EndsWith("running_var", StringComparison.Ordinal) ? Tensor.Rand(t.Shape, g).Add(0.5)
                    : name.EndsWith("running_mean", StringComparison.Ordinal) ? Tensor.Randn(t.Shape, g).Mul(0.1)
                    : t.Dim >= 2 ? Tensor.Randn(t.Shape, g).Mul(Math.Sqrt(2.0 / (t.NumEl / t.Size(0))))
                    : name.EndsWith("weight", StringComparison.Ordinal) ? Tensor.Randn(t.Shape, g).Mul(0.1).Add(1)
                    : Tensor.Randn(t.Shape, g).Mul(0.1);
                t.Copy_(value);
            }
        }
    }

    private static (TorchScriptClassifier Model, Torch.Serialization.SafeTensors.Contents Golden) Load(string name)
    {
        var golden = Torch.Serialization.SafeTensors.Load(Fixtures.Path("torchscript", name + ".safetensors"));
        var size = int.Parse(golden.Metadata["size"], System.Globalization.CultureInfo.InvariantCulture);
        var model = TorchScriptClassifier.Load(Fixtures.Path("torchscript", name + ".pt"), size);
        Fill(model.Script);
        return (model, golden);
    }

    [Theory]
    [InlineData("densenet121_scripted")]
    [InlineData("mobilenet_v2_traced")]
    [InlineData("branchy_filled_scripted")]
    public void LogitsEqualPyTorchs(string name)
    {
        var (model, golden) = Load(name);
        using var _ = model;
        using var __ = golden;
        using var logits = model.Call(golden.Tensors["input"]);
        var expected = golden.Tensors["logits"].ToArray<float>();
        var actual = logits.ToArray<float>();
        var scale = expected.Max(Math.Abs);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-4 * scale, $"{name} logit {i}: {actual[i]} vs PyTorch {expected[i]}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MapsCorrelateWithPytorchGradCams(string name, string method)
    {
        var (model, golden) = Load(name);
        using var _ = model;
        using var __ = golden;
        var layer = golden.Metadata["layer"];
        // pytorch-grad-cam upsamples Score-CAM's masks with aligned corners (UpsamplingBilinear2d); Ocular's option for it.
        var upsampling = method == "score-cam" ? Upsampling.AlignCorners : Upsampling.HalfPixel;
        using var explainer = ExplainerRegistry.Create(method, model, new ExplainerOptions { Layers = [layer], BatchSize = 64, Upsampling = upsampling });
        using var maps = explainer.Explain(golden.Tensors["input"], golden.Tensors["targets"]);
        var expected = golden.Tensors[$"map.{method}"];
        Assert.Equal(expected.Shape, maps.Shape);
        for (var n = 0; n < expected.Size(0); n++)
        {
            using var a = maps.Select(0, n);
            using var e = expected.Select(0, n);
            var (x, y) = (a.ToArray<float>(), e.ToArray<float>());
            // A map with no positive evidence is constant (0) on both sides; a correlation is undefined there.
            if (x.Max() == x.Min() || y.Max() == y.Min())
            {
                Assert.True(x.Max() == x.Min() && y.Max() == y.Min() && Math.Abs(x[0] - y[0]) < 1e-6, $"{name} {method} image {n}: one map is constant, the other not");
                continue;
            }
            var r = MapAssert.Pearson(x, y);
            Assert.True(r >= 0.99, $"{name} {method} image {n}: Pearson r = {r:F4} with pytorch-grad-cam's map");
        }
    }
}
