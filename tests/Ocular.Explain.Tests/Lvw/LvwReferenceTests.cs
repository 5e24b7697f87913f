using Ocular.Explain.Learned.Lvw;
using Ocular.Torch;
using Ocular.Vision;
using Ocular.Vision.Datasets;
using Ocular.Vision.Models;
using Ocular.Vision.Models.Prototypes;
using Ocular.Vision.Tests;
using Ocular.Vision.Transforms;

namespace Ocular.Explain.Tests.Lvw;

/// <summary>
/// The prototype network, its losses and the push against the original Learnable Visual Words code run by
/// tests/fixtures/lvw/make_reference.py (revision 4c1fa7e): model.py's forward, train_and_test.py's loss in both modes
/// (its logged terms and the gradients it produces) and push.py's projection with its boxes, on a ResNet with one
/// BasicBlock per stage, 5 classes, 2 words per class of dimension 16, weights from <see cref="ModelFormula"/>.
/// </summary>
public class LvwReferenceTests
{
    private const int Classes = 5;

    private static PrototypeNetwork Build(PrototypeMode mode)
    {
        var model = new PrototypeNetwork(mode == PrototypeMode.Lvw ? "lvw_resnet10" : "protopnet_resnet10",
            new ResNet("resnet10", ResidualBlockKind.Basic, [1, 1, 1, 1], Classes), mode, wordsPerClass: 2, dimension: 16);
        ModelFormula.Apply(model);
        return model;
    }

    [Fact]
    public void TheForwardPassMatchesTheOriginal()
    {
        using var expected = Fixtures.Load("lvw", "reference.safetensors");
        using var model = Build(PrototypeMode.Lvw);
        using var x = ModelFormula.Input(2, 3, 224);
        model.Eval();
        using var noGrad = Autograd.NoGrad();
        using var output = model.ForwardWords(x);
        Assert.Equal([2L, 10, 7, 7], output.ActivationMaps.Shape);
        TensorAssert.Close(expected.Tensors["forward.min_distances"], output.MinDistances, rtol: 1e-4, atol: 1e-4, what: "min distances");
        TensorAssert.Close(expected.Tensors["forward.word_scores"], output.WordScores, rtol: 1e-4, atol: 1e-5, what: "word scores");
        TensorAssert.Close(expected.Tensors["forward.activation_maps"], output.ActivationMaps, rtol: 1e-4, atol: 1e-5, what: "activation maps");
        TensorAssert.Close(expected.Tensors["forward.logits"], output.Logits, rtol: 1e-4, atol: 1e-5, what: "logits");
        // The classifier's forward (the stages) is the same pass.
        using var logits = model.Call(x);
        TensorAssert.Close(output.Logits, logits, rtol: 0, atol: 0, what: "Forward");
    }

    [Theory]
    [InlineData(PrototypeMode.Lvw)]
    [InlineData(PrototypeMode.ProtoPNet)]
    public void OneTrainingStepMatchesTheOriginalLoss(PrototypeMode mode)
    {
        using var expected = Fixtures.Load("lvw", "reference.safetensors");
        var name = mode == PrototypeMode.Lvw ? "lvw" : "protopnet";
        double E(string key) => expected.Tensors[$"{name}.{key}"].Item<double>();
        using var model = Build(mode);
        using var x = ModelFormula.Input(2, 3, 224);
        using var labels = Tensor.FromArray(new long[] { 1, 3 }, 2);
        model.Train();
        model.ZeroGrad();
        using var unit = Unit(ModelFormula.Input(2, 1, 224));
        using var targets = unit.Squeeze(1);
        using (var output = model.ForwardWords(x))
        using (var loss = LvwLoss.Compute(model, output, labels, mode == PrototypeMode.Lvw ? LvwLossWeights.Lvw : LvwLossWeights.ProtoPNet,
                   mode == PrototypeMode.Lvw ? targets : null))
        {
            Assert.Equal(E("ce"), loss.CrossEntropy.Item<float>(), 1e-4);
            Assert.Equal(E("cluster"), loss.Cluster.Item<float>(), 1e-3);
            Assert.Equal(E("l1"), model.LastLayer.Weight.Abs().Sum().Item<float>(), 1e-3);
            if (mode == PrototypeMode.ProtoPNet)
            {
                Assert.Equal(E("separation"), loss.Separation!.Item<float>(), 1e-3);
                Assert.Null(loss.Align);
            }
            else
            {
                Assert.Null(loss.Separation);
                Assert.NotNull(loss.Align);
            }
            loss.Total.Backward();
        }
        var parameters = model.NamedParameters().ToDictionary(p => p.Path, p => p.Parameter);
        foreach (var key in new[] { "prototype_vectors", "last_layer.weight", "add_on_layers.0.weight", "add_on_layers.2.bias", "conv1.weight" })
            TensorAssert.Close(expected.Tensors[$"{name}.grad.{key}"], parameters[key].Grad!, rtol: 2e-3, atol: 1e-6, what: $"{name} gradient of {key}");
    }

    [Theory]
    [InlineData(PrototypeMode.Lvw)]
    [InlineData(PrototypeMode.ProtoPNet)]
    public void ThePushProjectsOntoTheOriginalsPatches(PrototypeMode mode)
    {
        using var expected = Fixtures.Load("lvw", "reference.safetensors");
        var name = mode == PrototypeMode.Lvw ? "push_lvw" : "push_protopnet";
        using var model = Build(mode);
        using var images = Unit(ModelFormula.Input(6, 3, 224));
        var data = new TensorImages(images, [0, 1, 2, 3, 4, 0]);
        var result = WordPush.Push(model, data, new Identity(), ImageNormalization.ImageNet, batchSize: 4, workers: 0);
        using var words = model.Words.Detach().Reshape(model.NumWords, -1);
        TensorAssert.Close(expected.Tensors[name + ".words"], words, rtol: 1e-4, atol: 1e-5, what: name + " words");

        var rf = expected.Tensors[name + ".rf_boxes"].ToArray<long>();
        var high = expected.Tensors[name + ".high_boxes"].ToArray<long>();
        foreach (var w in result.Words)
        {
            Assert.Equal(rf[w.Word * 6], w.Image);
            Assert.Equal(rf[w.Word * 6 + 5], w.Label);
            Assert.Equal(rf.Skip(w.Word * 6 + 1).Take(4).Select(v => (int)v), w.ReceptiveField);
            Assert.Equal(high.Skip(w.Word * 6 + 1).Take(4).Select(v => (int)v), w.HighActivation);
            if (mode == PrototypeMode.ProtoPNet) Assert.Equal(w.Word / model.WordsPerClass, w.Label);
        }
        Assert.Equal(result.Words.Select(w => (w.Image, w.Y, w.X)).Distinct().Count(), result.DistinctPatches);
        Assert.Equal(224, result.InputSize);
    }

    [Fact]
    public void TheReceptiveFieldIsTheOriginals()
    {
        using var expected = Fixtures.Load("lvw", "reference.safetensors");
        var info = expected.Tensors["rf_info"].ToArray<double>();
        using var model = Build(PrototypeMode.Lvw);
        var field = model.ReceptiveFieldAt(224);
        Assert.Equal(info[0], field.Size);
        Assert.Equal(info[1], field.Jump);
        Assert.Equal(info[2], field.Extent);
        Assert.Equal(info[3], field.Start);
    }

    // The fixture's 0.5 + 0.5·formula_input: values in [0, 1]. Takes the input over.
    private static Tensor Unit(Tensor formula)
    {
        using (formula)
        using (var half = formula.Mul(0.5))
            return half.Add(0.5);
    }

    /// <summary>Float images [N, 3, H, W] in [0, 1] as a data set (the transform is the identity).</summary>
    private sealed class TensorImages(Tensor images, long[] labels) : IImageDataset
    {
        public int Count => labels.Length;

        public IReadOnlyList<string> ClassNames => ["a", "b", "c", "d", "e"];

        public Sample Get(int index) => new(images.Select(0, index).Clone(), labels[index], index);
    }

    private sealed class Identity : ITransform
    {
        public Tensor Apply(Tensor image, Generator? generator = null) => image.Clone();
    }
}
