using System.Text.Json.Nodes;
using Ocular.Torch;
using Ocular.Vision.Datasets;
using Ocular.Vision.Models;
using Ocular.Vision.Models.Attention;
using Ocular.Vision.Training;
using F = Ocular.Torch.Functional;

namespace Ocular.Vision.Tests.Training;

/// <summary>LFI-CAM and ABN through the classifier trainer (issue 14, item 2), and model selection.</summary>
[Collection(GlobalStateCollection.Name)]
public class AttentionTrainingTests
{
    private static TrainingOptions Options(string dir, string name, string architecture, bool selectOnTest = false) => new()
    {
        Data = "shapes:count=192,test-count=64,size=32", Architecture = architecture, Epochs = 2, BatchSize = 32,
        LearningRate = 0.05, Schedule = "constant", Seed = 3, Workers = 1, SelectOnTest = selectOnTest,
        OutputDirectory = Path.Combine(dir, name),
    };

    [Theory]
    [InlineData("lficam_compact_cnn")]
    [InlineData("abn_compact_cnn")]
    public void TrainsResumesAndReloadsAsItsArchitecture(string architecture)
    {
        using var dir = new TempDirectory();
        var whole = ClassifierTrainer.Train(Options(dir.Path, "whole", architecture));
        Assert.Equal(2, whole.CompletedEpochs);
        Assert.All(whole.Epochs, e => Assert.True(double.IsFinite(e.TrainLoss) && e.ValidationTop1 >= 0));

        // The checkpoint reloads as the attention classifier, with its map.
        using (var best = ClassifierCheckpoint.Load(whole.BestCheckpoint))
        {
            var model = Assert.IsAssignableFrom<AttentionClassifier>(best.Model);
            Assert.Equal(architecture, model.Architecture);
            using var x = Tensor.Randn([2, 3, 32, 32]);
            using var noGrad = Autograd.NoGrad();
            using var output = model.ForwardWithAttention(x);
            Assert.Equal([2L, 1, 8, 8], output.Map.Shape);
        }

        // Stopped after epoch 1 and resumed: the same weights as the uninterrupted run.
        var once = ClassifierTrainer.Train(Options(dir.Path, "resumed", architecture) with { Epochs = 1 });
        var resumed = ClassifierTrainer.Resume(once.RunDirectory, epochs: 2);
        Assert.Equal([2], resumed.Epochs.Select(e => e.Epoch));
        using (var a = ClassifierCheckpoint.Load(whole.LastCheckpoint))
        using (var b = ClassifierCheckpoint.Load(resumed.LastCheckpoint))
            Assert.Equal(ClassifierCheckpoint.WeightsHash(a.Model), ClassifierCheckpoint.WeightsHash(b.Model));
    }

    [Fact]
    public void AbnTrainsOnBothBranchesLosses()
    {
        // ABN's loss is CE(branch) + CE(perception) (lfi-cam.md §3): larger than the perception CE alone, and it equals the sum.
        Engine.ManualSeed(0);
        using var model = (Abn)ModelZoo.Create("abn_compact_cnn", 3);
        using var x = Tensor.Randn([4, 3, 32, 32]);
        using var labels = Tensor.FromArray(new long[] { 0, 1, 2, 0 }, 4);
        using var output = model.ForwardWithAttention(x);
        using var loss = model.Loss(output, labels);
        using var perception = F.CrossEntropy(output.Logits, labels);
        using var branch = F.CrossEntropy(output.BranchLogits!, labels);
        Assert.Equal(perception.Item<float>() + branch.Item<float>(), loss.Item<float>(), 1e-5f);
    }

    [Fact]
    public void SelectionIsOnValidationUnlessAskedForTheTestSplit()
    {
        using var dir = new TempDirectory();
        var test = ClassifierTrainer.Train(Options(dir.Path, "test", "lficam_compact_cnn", selectOnTest: true));
        Assert.Equal("test", test.SelectedOn);
        Assert.All(test.Epochs, e => Assert.True(double.IsNaN(e.ValidationTop1)));
        Assert.Equal(test.Epochs.Max(e => e.TestTop1), test.BestTop1);
        Assert.Equal(test.BestTop1, test.BestTestTop1);
        var row = File.ReadLines(Path.Combine(test.RunDirectory, "metrics.jsonl")).First();
        Assert.DoesNotContain("val_top1", row, StringComparison.Ordinal);

        // A run written before selection on a validation split (no select_on_test in config.json) resumes on the test split.
        var legacy = ClassifierTrainer.Train(Options(dir.Path, "legacy", "compact_cnn", selectOnTest: true) with { Epochs = 1 });
        var config = Path.Combine(legacy.RunDirectory, "config.json");
        var node = JsonNode.Parse(File.ReadAllText(config))!;
        node["options"]!.AsObject().Remove("select_on_test");
        node["options"]!.AsObject().Remove("validation_fraction");
        File.WriteAllText(config, node.ToJsonString());
        var resumed = ClassifierTrainer.Resume(legacy.RunDirectory, epochs: 2);
        Assert.Equal("test", resumed.SelectedOn);
    }

    [Fact]
    public void TheValidationSplitIsFixedAndDisjoint()
    {
        var data = DataSpec.Parse("shapes:count=100,test-count=10,size=32").Open(DataSplit.Train);
        var (train, validation) = ValidationSplit.Carve(data);
        var (train2, validation2) = ValidationSplit.Carve(data);
        var t = ((DatasetSubset)train).Indices;
        var v = ((DatasetSubset)validation).Indices;
        Assert.Equal((90, 10), (t.Count, v.Count));
        Assert.Empty(t.Intersect(v));
        Assert.Equal(Enumerable.Range(0, 100), t.Concat(v).Order());
        Assert.Equal(v, ((DatasetSubset)validation2).Indices);
        Assert.NotEqual(Enumerable.Range(0, 10), v);   // shuffled, not the first images
        Assert.Throws<ArgumentOutOfRangeException>(() => ValidationSplit.Carve(data, 1.0));
        var tiny = new FirstImages(data, 1);
        Assert.Contains("--select-on-test", Assert.Throws<DatasetException>(() => ValidationSplit.Carve(tiny)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BackboneWeightsLeaveTheBranchFresh()
    {
        // --weights from a plain compact_cnn checkpoint: the backbone loads, the branch keeps its initialisation (§2.3).
        using var dir = new TempDirectory();
        var plain = ClassifierTrainer.Train(Options(dir.Path, "plain", "compact_cnn", selectOnTest: true) with { Epochs = 1 });
        Engine.ManualSeed(5);
        using var model = ModelZoo.Create("lficam_compact_cnn", 6);
        var report = PyTorchWeights.LoadBackbone(model, plain.BestCheckpoint);
        Assert.True(report.BranchFresh);
        Assert.False(report.HeadSkipped);
        Assert.Contains("the layers added to the backbone (attention branch, or add-on layers and words) are not in the file", report.ToString(), StringComparison.Ordinal);
        using var trained = ClassifierCheckpoint.Load(plain.BestCheckpoint);
        Assert.Equal(ClassifierCheckpoint.WeightsHash(trained.Model), BackboneHash(model));

        // A checkpoint of another attention classifier is refused, naming it.
        var abn = ClassifierTrainer.Train(Options(dir.Path, "abn", "abn_compact_cnn", selectOnTest: true) with { Epochs = 1 });
        var error = Assert.Throws<PartialWeightsException>(() => PyTorchWeights.LoadBackbone(model, abn.BestCheckpoint));
        Assert.Contains("it is a abn_compact_cnn checkpoint", error.Message, StringComparison.Ordinal);
    }

    // The weights hash of an attention classifier's backbone alone: a plain compact CNN given those tensors.
    private static string BackboneHash(Classifier model)
    {
        using var plain = ModelZoo.Create("compact_cnn", model.NumClasses);
        var state = model.StateDict();
        try
        {
            plain.LoadStateDict(state.Where(kv => !((AttentionClassifier)model).IsBranchKey(kv.Key)).ToDictionary(), strict: true);
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
        return ClassifierCheckpoint.WeightsHash(plain);
    }
}
