using Ocular.Torch;
using Ocular.Torch.Nn;
using Ocular.Torch.Serialization;
using Ocular.Vision.Models;

namespace Ocular.Vision.Tests.Models;

/// <summary>
/// Loading PyTorch state dicts into zoo models. Fixtures: tests/fixtures/interop/make_interop.py (bearpaw's
/// CIFAR ResNet-20 and -8 saved by torch.save, plain, wrapped, "module."-prefixed and mismatched, and
/// PyTorch's eval-mode logits on a fixed input).
/// </summary>
[Collection(GlobalStateCollection.Name)] // models are built with the global generator
public class PyTorchWeightsTests
{
    // float32 logits of magnitude ≈ 1 after 20 layers. They come out bit for bit equal to PyTorch's here
    // (the same libtorch kernels); 1e-5 leaves room for another thread count's summation order.
    private const double LogitTolerance = 1e-5;

    private static string Interop(string file) => Fixtures.Path("interop", file);

    private static Tensor Logits(Classifier model, string key)
    {
        using var expected = Fixtures.Load("interop", "expected.safetensors");
        using (Autograd.InferenceMode())
        {
            var logits = model.Call(expected.Tensors["input"]);
            Fixtures.AssertClose(expected.Tensors[key], logits, LogitTolerance);
            return logits;
        }
    }

    [Fact]
    public void PlainStateDictReproducesPyTorchsLogits()
    {
        Engine.ManualSeed(0);
        using var imported = PyTorchWeights.Import(Interop("cifar_resnet20.pth"), "cifar_resnet20");
        var model = imported.Model;
        var report = imported.Report;
        Assert.Equal(10, model.NumClasses);            // inferred from fc.weight [10, 64]
        Assert.Equal(3, model.InChannels);             // inferred from conv1.weight [16, 3, 3, 3]
        Assert.False(model.Training);
        Assert.True(report.IsComplete);
        Assert.Equal(report.ModelKeys, report.LoadedKeys);
        Assert.Equal(WeightsFormat.PyTorch, report.Source.Format);
        Assert.Null(report.Source.WrapperKey);
        Assert.Null(report.Source.StrippedPrefix);
        Assert.Equal(10, report.FileNumClasses);
        Assert.False(report.HeadSkipped);

        using var logits = Logits(model, "cifar_resnet20.logits");
        // The weights are the file's bit for bit, batch-norm buffers included.
        using var file = WeightsFile.Read(Interop("cifar_resnet20.pth"));
        var state = model.StateDict();
        try
        {
            Assert.Equal(file.StateDict.Keys.Order(StringComparer.Ordinal), state.Keys.Order(StringComparer.Ordinal));
            foreach (var key in new[] { "conv1.weight", "layer2.0.downsample.1.running_var", "layer3.2.bn2.num_batches_tracked", "fc.bias" })
                Fixtures.AssertEqual(file.StateDict[key], state[key]);
            Assert.Equal(3L, state["bn1.num_batches_tracked"].Item<long>());
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    [Fact]
    public void WrappedCheckpointLoadsAndReportsItsWrapper()
    {
        Engine.ManualSeed(0);
        using var imported = PyTorchWeights.Import(Interop("cifar_resnet8_wrapped.pth"), "cifar_resnet8");
        var source = imported.Report.Source;
        Assert.Equal("state_dict", source.WrapperKey);
        Assert.Equal(5L, source.Extras["epoch"]);
        Assert.Equal("cifar_resnet8", source.Extras["arch"]);
        Assert.Equal(["best_acc"], source.Skipped);     // a tensor outside the state dict is not loaded
        Assert.True(imported.Report.IsComplete);
        using var logits = Logits(imported.Model, "cifar_resnet8.logits");
    }

    [Fact]
    public void DataParallelPrefixIsRemoved()
    {
        Engine.ManualSeed(0);
        using var imported = PyTorchWeights.Import(Interop("cifar_resnet8_dataparallel.pth"), "cifar_resnet8");
        Assert.Equal("module.", imported.Report.Source.StrippedPrefix);
        Assert.Null(imported.Report.Source.WrapperKey);
        Assert.True(imported.Report.IsComplete);
        using var logits = Logits(imported.Model, "cifar_resnet8.logits");
    }

    [Fact]
    public void MismatchIsReportedKeyByKeyAndNothingIsLoaded()
    {
        Engine.ManualSeed(0);
        using var model = ModelZoo.Create("cifar_resnet8");
        var before = ClassifierCheckpoint.WeightsHash(model);
        var e = Assert.Throws<PartialWeightsException>(() => PyTorchWeights.LoadInto(model, Interop("mismatched.pth")));

        var own = OwnKeys(model);
        // num_batches_tracked takes its default when absent (as PyTorch does for old checkpoints): not missing.
        string[] missing = ["bn1.weight", .. own.Where(k => (k.StartsWith("layer2.", StringComparison.Ordinal) || k.StartsWith("layer3.", StringComparison.Ordinal))
                                                            && !k.EndsWith(".num_batches_tracked", StringComparison.Ordinal))];
        Assert.Equal(missing, e.Report.Missing);
        Assert.Equal(["bn1.gamma"], e.Report.Unexpected);
        var wrong = Assert.Single(e.Report.WrongShape);
        Assert.Equal("fc.weight", wrong.Key);
        Assert.Equal(new long[] { 10, 64 }, wrong.Expected);
        Assert.Equal(new long[] { 10, 32 }, wrong.Found);

        // One summary line with the counts and the way out, then every key on its own line.
        var lines = e.Message.Split(Environment.NewLine);
        Assert.Equal($"{Interop("mismatched.pth")}: the weights do not match cifar_resnet8 ({missing.Length} missing, 1 unexpected, 1 wrongly shaped of {own.Count} keys); " +
                     "--allow-partial loads the matching keys anyway", lines[0]);
        Assert.Equal(lines[0], e.Summary);
        Assert.Equal(1 + missing.Length + 2, lines.Length);
        foreach (var key in missing) Assert.Contains($"  missing:     {key}", lines);
        Assert.Contains("  unexpected:  bn1.gamma", lines);
        Assert.Contains("  wrong shape: fc.weight: expected [10, 64], found [10, 32]", lines);
        Assert.Equal(before, ClassifierCheckpoint.WeightsHash(model));
    }

    [Fact]
    public void AllowPartialLoadsTheMatchingKeysAndReportsTheRest()
    {
        Engine.ManualSeed(0);
        using var model = ModelZoo.Create("cifar_resnet8");
        using var fcBefore = model.Head.Weight.Clone();
        using var bnBefore = model.GetSubmodule("bn1").Parameters().First().Clone();
        var report = PyTorchWeights.LoadInto(model, Interop("mismatched.pth"), allowPartial: true);

        Assert.False(report.IsComplete);
        Assert.Equal(["bn1.gamma"], report.Keys.Unexpected);
        Assert.Equal("fc.weight", Assert.Single(report.Keys.WrongShape).Key);
        using var file = WeightsFile.Read(Interop("mismatched.pth"));
        Assert.Equal(OwnKeys(model).Count(file.StateDict.ContainsKey) - 1, report.LoadedKeys);   // all but fc.weight
        var state = model.StateDict();
        try
        {
            foreach (var key in new[] { "conv1.weight", "bn1.bias", "bn1.running_mean", "layer1.0.conv2.weight", "fc.bias" })
                Fixtures.AssertEqual(file.StateDict[key], state[key]);
            Fixtures.AssertEqual(fcBefore, state["fc.weight"]);   // wrongly shaped: left as it was
            Fixtures.AssertEqual(bnBefore, state["bn1.weight"]);  // missing: left as it was
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    [Fact]
    public void AnotherArchitecturesWeightsListEveryKeyAndAreRefusedEvenPartiallyWhenNothingMatches()
    {
        Engine.ManualSeed(0);
        using var resnet8 = ModelZoo.Create("cifar_resnet8");
        var e = Assert.Throws<PartialWeightsException>(() => PyTorchWeights.LoadInto(resnet8, Interop("cifar_resnet20.pth")));
        Assert.Empty(e.Report.Missing);
        Assert.Empty(e.Report.WrongShape);
        // Blocks 1 and 2 of each stage: 2 convolutions and 2 batch norms (5 entries each) per block.
        Assert.Equal(3 * 2 * (2 + 2 * 5), e.Report.Unexpected.Count);
        Assert.Contains("layer3.2.bn2.running_var", e.Report.Unexpected);

        using var compact = ModelZoo.Create("compact_cnn", numClasses: 3);   // (with 10 classes, fc.bias would match)
        var none = Assert.Throws<PartialWeightsException>(() => PyTorchWeights.LoadInto(compact, Interop("cifar_resnet8_wrapped.pth"), allowPartial: true));
        Assert.StartsWith($"{Interop("cifar_resnet8_wrapped.pth")}: none of the weights match compact_cnn", none.Message);
    }

    [Fact]
    public void GivenClassCountThatDiffersFromTheFileIsAWrongShape()
    {
        Engine.ManualSeed(0);
        var e = Assert.Throws<PartialWeightsException>(() => PyTorchWeights.Import(Interop("cifar_resnet8_dataparallel.pth"), "cifar_resnet8", numClasses: 4));
        Assert.Equal(["fc.weight", "fc.bias"], e.Report.WrongShape.Select(w => w.Key));
        Assert.Empty(e.Report.Missing);
    }

    [Fact]
    public void LoadBackboneLeavesOutAHeadForOtherClasses()
    {
        Engine.ManualSeed(0);
        using var model = ModelZoo.Create("cifar_resnet8", numClasses: 4);
        using var head = model.Head.Weight.Clone();
        var report = PyTorchWeights.LoadBackbone(model, Interop("cifar_resnet8_wrapped.pth"));
        Assert.True(report.HeadSkipped);
        Assert.True(report.IsComplete);
        Assert.Equal(10, report.FileNumClasses);
        Assert.Equal(report.ModelKeys - 2, report.LoadedKeys);
        Fixtures.AssertEqual(head, model.Head.Weight);
        using var file = WeightsFile.Read(Interop("cifar_resnet8_wrapped.pth"));
        using var conv = model.GetSubmodule("layer3.0.conv2").Parameters().First().Detach();
        Fixtures.AssertEqual(file.StateDict["layer3.0.conv2.weight"], conv);

        // A head of the same shape is loaded.
        using var same = ModelZoo.Create("cifar_resnet8");
        var full = PyTorchWeights.LoadBackbone(same, Interop("cifar_resnet8_wrapped.pth"));
        Assert.False(full.HeadSkipped);
        Assert.Equal(full.ModelKeys, full.LoadedKeys);
        using var fc = same.Head.Weight.Detach();
        Fixtures.AssertEqual(file.StateDict["fc.weight"], fc);

        // The rest must still match.
        using var other = ModelZoo.Create("cifar_resnet14", numClasses: 4);
        var e = Assert.Throws<PartialWeightsException>(() => PyTorchWeights.LoadBackbone(other, Interop("cifar_resnet8_wrapped.pth")));
        Assert.Contains("layer1.1.conv1.weight", e.Report.Missing);
        Assert.DoesNotContain(e.Report.WrongShape, w => w.Key.StartsWith("fc.", StringComparison.Ordinal));
    }

    [Fact]
    public void LoadBackboneReadsOcularCheckpointsIgnoringTheirExtraTensors()
    {
        using var dir = new TempDirectory();
        var path = dir.File("resnet8.ocular");
        Engine.ManualSeed(0);
        using (var imported = PyTorchWeights.Import(Interop("cifar_resnet8_wrapped.pth"), "cifar_resnet8"))
        using (var momentum = Tensor.Ones(3))
        {
            var metadata = new ClassifierMetadata
            {
                Architecture = "cifar_resnet8", NumClasses = 10, InputSize = 32, ResizeSize = 32,
                Mean = [0.5, 0.5, 0.5], Std = [0.25, 0.25, 0.25],
            };
            ClassifierCheckpoint.Save(path, imported.Model, metadata, new Dictionary<string, Tensor> { ["optimizer.state.0.momentum_buffer"] = momentum });
        }

        using var model = ModelZoo.Create("cifar_resnet8", numClasses: 3);
        var report = PyTorchWeights.LoadBackbone(model, path);
        Assert.Equal(WeightsFormat.Ocular, report.Source.Format);
        Assert.Equal("cifar_resnet8", report.Source.Metadata!.Architecture);
        Assert.True(report.HeadSkipped);
        Assert.True(report.IsComplete);
        Assert.Equal(10, report.FileNumClasses);

        // Another architecture's checkpoint says so.
        using var compact = ModelZoo.Create("compact_cnn", numClasses: 3);
        var e = Assert.Throws<PartialWeightsException>(() => PyTorchWeights.LoadBackbone(compact, path));
        Assert.Contains("(it is a cifar_resnet8 checkpoint)", e.Summary);
    }

    [Fact]
    public void LoadBackboneAcceptsAFileWithoutHead()
    {
        using var dir = new TempDirectory();
        var path = dir.File("backbone.safetensors");
        using (var file = WeightsFile.Read(Interop("cifar_resnet8_dataparallel.pth")))
            SafeTensors.Save(path, file.StateDict.Where(kv => !kv.Key.StartsWith("fc.", StringComparison.Ordinal)));
        Engine.ManualSeed(0);
        using var model = ModelZoo.Create("cifar_resnet8", numClasses: 6);
        var report = PyTorchWeights.LoadBackbone(model, path);
        Assert.Equal(WeightsFormat.SafeTensors, report.Source.Format);
        Assert.True(report.HeadSkipped);
        Assert.Null(report.FileNumClasses);
        Assert.True(report.IsComplete);
        Assert.Equal(report.ModelKeys - 2, report.LoadedKeys);
        // Strict loading still wants the head.
        Assert.Equal(["fc.weight", "fc.bias"], Assert.Throws<PartialWeightsException>(() => PyTorchWeights.LoadInto(model, path)).Report.Missing);
    }

    [Fact]
    public void InfersClassesAndChannelsFromTheHeadAndFirstConvolution()
    {
        using var file = WeightsFile.Read(Interop("mismatched.pth"));
        Assert.Equal(10, PyTorchWeights.InferNumClasses(ModelZoo.Describe("cifar_resnet8"), file.StateDict));
        Assert.Equal(3, PyTorchWeights.InferInChannels(ModelZoo.Describe("cifar_resnet8"), file.StateDict));
        Assert.Null(PyTorchWeights.InferNumClasses(ModelZoo.Describe("vgg16"), file.StateDict));   // no classifier.6.weight
        Assert.Null(PyTorchWeights.InferInChannels(ModelZoo.Describe("compact_cnn"), file.StateDict));
        using var head = Tensor.Zeros([7, 4096]);
        using var conv = Tensor.Zeros([64, 1, 3, 3]);
        var vgg = new Dictionary<string, Tensor> { ["features.0.weight"] = conv, ["classifier.6.weight"] = head };
        Assert.Equal(7, PyTorchWeights.InferNumClasses(ModelZoo.Describe("vgg16_bn"), vgg));
        Assert.Equal(1, PyTorchWeights.InferInChannels(ModelZoo.Describe("alexnet"), vgg));
    }

    [Fact]
    public void NotAWeightsFileIsAnErrorNamingIt()
    {
        var png = Fixtures.Path("images", "rgb.png");
        var e = Assert.Throws<InvalidDataException>(() => WeightsFile.Read(png));
        Assert.Contains(png, e.Message);
        Assert.Contains("not a PyTorch file", e.Message);
        var missing = Interop("nope.pth");
        Assert.Contains(missing, Assert.Throws<FileNotFoundException>(() => WeightsFile.Read(missing)).Message);
        Assert.Throws<UnknownArchitectureException>(() => PyTorchWeights.Import(Interop("cifar_resnet20.pth"), "resnet19"));
    }

    private static List<string> OwnKeys(Module model)
    {
        var state = model.StateDict();
        foreach (var t in state.Values) t.Dispose();
        return [.. state.Keys];
    }
}
