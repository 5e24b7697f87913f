using Ocular.Evaluation.Metrics;
using Ocular.Evaluation.Stability;
using Ocular.Vision.Models;

namespace Ocular.Evaluation.Tests.Stability;

/// <summary>The study end to end: Grad-CAM on tiny compact CNNs (two seeds and a copy of the first) and 8 Shapes images.</summary>
[Collection(GlobalStateCollection.Name)]
public sealed class StabilityStudyTests : IDisposable
{
    private const string Shapes = "shapes:count=16,test-count=8,size=32";
    private readonly TempDirectory _dir = new();
    private readonly string _first, _second, _copy;

    public StabilityStudyTests()
    {
        _first = TinyCheckpoint.Create(_dir.File("first"), seed: 3);
        _second = TinyCheckpoint.Create(_dir.File("second"), seed: 4);
        _copy = _dir.File("copy/tiny-copy.ocular");
        File.Copy(_first, _copy);
    }

    public void Dispose() => _dir.Dispose();

    private StabilityOptions Options(params string[] models) => new()
    {
        Models = models, Method = "grad-cam", Data = Shapes, Images = 6, BatchSize = 4,
    };

    [Fact]
    public void EveryPairIsComparedAndACopyOfAModelScoresOne()
    {
        var result = StabilityStudy.Run(Options(_first, _second, _copy));
        Assert.Equal("grad-cam", result.Method);
        Assert.Equal(6, result.ImageIds.Count);
        Assert.Equal(["#0", "#1", "#2", "#3", "#4", "#5"], result.ImageIds);
        Assert.Equal([(0, 1), (0, 2), (1, 2)], result.Pairs.Select(p => (p.A, p.B)));
        foreach (var pair in result.Pairs)
        {
            Assert.Equal(6, pair.IoU.Length);
            Assert.All(pair.IoU, v => Assert.InRange(v, 0, 1));
            Assert.Equal(pair.IoU.Average(), pair.MeanIoU, 12);
        }
        var self = result.Pairs[1];
        Assert.All(self.IoU, v => Assert.Equal(1.0, v, 12));
        Assert.Equal(result.Pairs.Average(p => p.MeanIoU), result.MeanIoU, 12);
        // Two files called tiny.ocular are told apart by their folders.
        Assert.Equal(["first/tiny", "second/tiny", "tiny-copy"], result.Models.Select(m => m.Label));
        Assert.Equal(result.Models[0].WeightsHash, result.Models[2].WeightsHash);
        Assert.NotEqual(result.Models[0].WeightsHash, result.Models[1].WeightsHash);
        Assert.Equal(result.Models[0].Top1, result.Models[2].Top1);
        Assert.All(result.Models, m => Assert.InRange(m.Top1!.Value, 0, 100));
        Assert.Contains(result.Warnings, w => w == "first/tiny and tiny-copy have identical weights: their maps are the same (IoU 1)");
        Assert.Contains(result.Warnings, w => w.StartsWith("second/tiny (", StringComparison.Ordinal) && w.Contains("records no training data set"));
        Assert.Null(result.Fgsm);
    }

    [Fact]
    public void TheOriginalModesRunThroughTheStudy()
    {
        var result = StabilityStudy.Run(Options(_first, _copy) with { IoUMode = IoUMode.PerRowOriginal, Export = ExportQuantisation.OriginalUint8, Threshold = 0 });
        var pair = Assert.Single(result.Pairs);
        Assert.All(pair.IoU, v => Assert.Equal(1.0, v, 12));
        Assert.Equal(IoUMode.PerRowOriginal, result.Options.IoUMode);
        Assert.Equal(ExportQuantisation.OriginalUint8, result.Options.Export);
    }

    [Fact]
    public void FgsmReportsCleanAndAdversarialAccuracyAndMapStability()
    {
        var result = StabilityStudy.Run(Options(_first, _second) with { FgsmEpsilon = 0.03 });
        var fgsm = Assert.IsType<FgsmResult>(result.Fgsm);
        Assert.Equal(0.03, fgsm.Epsilon);
        Assert.Equal(2, fgsm.Models.Count);
        for (var k = 0; k < 2; k++)
        {
            var m = fgsm.Models[k];
            Assert.Equal(k, m.Model);
            Assert.Equal(result.Models[k].Top1!.Value, m.CleanTop1, 12);
            Assert.InRange(m.AdversarialTop1, 0, 100);
            Assert.Equal(0, m.AdversarialTop1 * 6 / 100 % 1, 9); // a whole number of the 6 images
            Assert.InRange(m.MapIoU, 0, 1);
        }
    }

    [Fact]
    public void FgsmLeavesNoGradientOnTheModel()
    {
        using var loaded = ClassifierCheckpoint.Load(_first);
        using var raw = Ocular.Torch.Tensor.Rand([2, 3, 32, 32]);
        using var labels = Ocular.Torch.Tensor.FromArray(new long[] { 0, 1 });
        using var adversarial = Fgsm.Attack(x => loaded.Model.Call(x), loaded.Metadata.Normalization, raw, labels, Fgsm.PaperEpsilon);
        Assert.Equal(raw.Shape, adversarial.Shape);
        Assert.All(loaded.Model.Parameters(), p => Assert.Null(p.Grad));
    }

    [Fact]
    public void ModelsWithDifferentClassListsAreRefusedBeforeAnyWork()
    {
        var other = TinyCheckpoint.Create(_dir.File("four-classes"), classes: 4);
        var e = Assert.Throws<IncompatibleModelsException>(() => StabilityStudy.Run(Options(_first, other)));
        Assert.Equal("number of classes", e.What);
        Assert.Contains("first", e.Message);
        Assert.Contains("four-classes", e.Message);
    }

    [Fact]
    public void ARunDirectoryStandsForItsBestCheckpoint()
    {
        var run = _dir.File("run/best.ocular");
        File.Copy(_second, run);
        Assert.Equal(run, StudyModel.ResolveCheckpoint(Path.GetDirectoryName(run)!));
        var e = Assert.Throws<FileNotFoundException>(() => StudyModel.ResolveCheckpoint(_dir.File("nothing-here")));
        Assert.Contains("model not found", e.Message);
    }

    // A copy of a checkpoint whose metadata records the training options' data set, as `ocular train classifier` writes it.
    private string WithTrainingRecord(string checkpoint, string name, string data)
    {
        using var loaded = ClassifierCheckpoint.Load(checkpoint);
        var path = _dir.File(name + ".ocular");
        ClassifierCheckpoint.Save(path, loaded.Model, loaded.Metadata with
        {
            Training = new System.Text.Json.Nodes.JsonObject { ["options"] = new System.Text.Json.Nodes.JsonObject { ["data"] = data, ["seed"] = 1 } },
        });
        return path;
    }

    [Fact]
    public void TheDataSetDefaultsToTheOneTheModelsWereTrainedOn()
    {
        var a = WithTrainingRecord(_first, "trained-a", Shapes);
        var b = WithTrainingRecord(_second, "trained-b", Shapes);
        var result = StabilityStudy.Run(Options(a, b) with { Data = null });
        Assert.Equal(Shapes, result.Data);
        Assert.Equal(6, result.ImageIds.Count);
        Assert.DoesNotContain(result.Warnings, w => w.Contains("training data", StringComparison.Ordinal) || w.Contains("trained on", StringComparison.Ordinal));

        var elsewhere = StabilityStudy.Run(Options(a, b) with { Data = "shapes:count=16,test-count=8,size=32,seed=9" });
        Assert.Contains($"the models were trained on {Shapes}; the images come from shapes:count=16,test-count=8,size=32,seed=9", elsewhere.Warnings);
    }

    [Fact]
    public void WithoutDataAndWithoutATrainingRecordTheDataSetMustBeNamed()
    {
        var e = Assert.Throws<ArgumentException>(() => StabilityStudy.Run(Options(_first, _second) with { Data = null }));
        Assert.Contains("no model records its training data set", e.Message);
    }
}
