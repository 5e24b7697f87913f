using Ocular.Explain.Learned.Lvw;
using Ocular.TestSupport;
using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Datasets;
using Ocular.Vision.Models;
using Ocular.Vision.Models.Prototypes;
using Ocular.Vision.Training;

namespace Ocular.Explain.Tests.Lvw;

/// <summary>Short LVW and ProtoPNet runs on Shapes: the schedule, its files, resuming (inside a push too), the targets cache and bad input.</summary>
[Collection(GlobalStateCollection.Name)]
public class LvwTrainingTests
{
    /// <summary>A compact-CNN base classifier for Shapes (seeded random weights) in a temporary folder.</summary>
    private sealed class Fixture : IDisposable
    {
        public Fixture(int? classes = null)
        {
            var train = DataSpec.Parse("shapes").Open(DataSplit.Train);
            var recipe = DataRecipe.For("shapes", train, null, "none");
            var names = classes is { } k ? train.ClassNames.Take(k).ToList() : train.ClassNames;
            Engine.ManualSeed(1);
            using var model = ModelZoo.Create("compact_cnn", names.Count, recipe.InChannels);
            model.Eval();
            BasePath = Directory.File("base.ocular");
            ClassifierCheckpoint.Save(BasePath, model, recipe.Metadata("compact_cnn", names));
        }

        public TempDirectory Directory { get; } = new();

        public string BasePath { get; }

        // Epochs 0..3: warm-up 0, joint 1–3, a push after epoch 2 and one last-layer iteration: six steps.
        public LvwTrainingOptions Options(string run, string mode = "lvw") => new()
        {
            BaseClassifier = BasePath, Data = "shapes", Mode = mode, WordsPerClass = 2, Dimension = 16, TrainImages = 40, TestImages = 12,
            Epochs = 4, WarmEpochs = 1, PushStart = 2, PushEvery = 2, LastLayerIterations = 1, BatchSize = 16, TestBatchSize = 16, PushBatchSize = 7,
            Workers = 0, TargetsCache = Directory.File("targets"), OutputDirectory = Directory.File(run),
        };

        public void Dispose() => Directory.Dispose();
    }

    private static Dictionary<string, float[]> Weights(string path)
    {
        using var c = SafeTensors.Load(path);
        return c.Tensors.Where(kv => !kv.Key.StartsWith("optimizer", StringComparison.Ordinal) && !kv.Key.StartsWith("generator", StringComparison.Ordinal))
            .Where(kv => kv.Value.DType.IsFloatingPoint())
            .ToDictionary(kv => kv.Key, kv => kv.Value.To(ScalarType.Float32).ToArray<float>());
    }

    [Fact]
    public void ARunFollowsTheFourPhaseScheduleAndWritesItsFiles()
    {
        using var f = new Fixture();
        var options = f.Options("lvw");
        Assert.Equal(["0nopush", "1nopush", "2nopush", "2push", "2_0push", "3nopush"], LvwSchedule.Steps(options).Select(s => s.Name));
        var result = LvwTrainer.Train(options);
        Assert.Equal(6, result.StepsDone);
        Assert.Equal(6, result.Steps.Count);
        Assert.True(File.Exists(result.BestCheckpoint));
        Assert.True(File.Exists(Path.Combine(result.RunDirectory, "push-2.ocular")));
        Assert.True(File.Exists(Path.Combine(result.RunDirectory, "push-2.json")));
        Assert.Equal(6, File.ReadAllLines(Path.Combine(result.RunDirectory, "metrics.jsonl")).Length);
        // Selection among the push and last-layer steps only (their words are training patches); the push's diagnostic is recorded.
        Assert.Contains(result.BestStep, new[] { "2push", "2_0push" });
        var push = result.Steps.Single(s => s.Step.Phase == LvwPhase.Push);
        Assert.InRange(push.DistinctPatches!.Value, 1, 12);   // Shapes' 6 classes × 2 words
        Assert.Null(push.Training);
        var warm = result.Steps[0].Training!;
        var joint = result.Steps[1].Training!;
        Assert.True(double.IsNaN(warm.Align), "no alignment in the warm-up");
        Assert.True(joint.Align > 0, "the alignment loss is on after the warm-up");
        Assert.True(double.IsNaN(joint.Separation), "LVW has no separation cost");

        // The checkpoint is a classifier that records its words' sources, and explains with lvw.
        var words = LvwCheckpoint.ReadWords(result.BestCheckpoint)!;
        Assert.Equal(12, words.Words.Count);
        Assert.Equal(push.DistinctPatches, words.DistinctPatches);
        using var loaded = ClassifierCheckpoint.Load(result.BestCheckpoint);
        var network = Assert.IsType<PrototypeNetwork>(loaded.Model);
        Assert.Equal("lvw_compact_cnn_w2_d16", network.Architecture);
        using var images = Tensor.Rand([2, 3, 64, 64]);
        using var explainer = ExplainerRegistry.Create("lvw", network);
        using var maps = explainer.Explain(images, Tensor.FromArray(new long[] { 0, 1 }, 2));
        Assert.Equal([2L, 64, 64], maps.Shape);
        // After the push every word is a latent patch of a training image: its distance to that patch is 0.
        using var noGrad = Autograd.NoGrad();
        var source = words.Words[0];
        Assert.InRange(source.Image, 0, 39);
        Assert.Single(System.IO.Directory.GetFiles(f.Directory.File("targets"), "*.safetensors"));
    }

    [Fact]
    public void AResumeInsideAPushEndsWithTheWeightsOfAnUninterruptedRun()
    {
        using var f = new Fixture();
        var whole = LvwTrainer.Train(f.Options("whole"));

        using var cancel = new CancellationTokenSource();
        var progress = new CancelOnMessage("push after epoch 2", cancel);
        Assert.ThrowsAny<OperationCanceledException>(() => LvwTrainer.Train(f.Options("split"), progress, cancel.Token));
        Assert.Equal(3, File.ReadAllLines(Path.Combine(f.Directory.File("split"), "metrics.jsonl")).Length);
        var resumed = LvwTrainer.Resume(f.Directory.File("split"));
        Assert.Equal(6, resumed.StepsDone);
        Assert.Equal(3, resumed.Steps.Count);

        var a = Weights(whole.LastCheckpoint);
        var b = Weights(resumed.LastCheckpoint);
        Assert.Contains("prototype_vectors", a.Keys);
        foreach (var key in a.Keys) Assert.Equal(a[key], b[key]);
        Assert.Equal(6, File.ReadAllLines(Path.Combine(resumed.RunDirectory, "metrics.jsonl")).Length);
        Assert.Equal(LvwCheckpoint.ReadWords(whole.LastCheckpoint)!.Words.Select(w => (w.Image, w.Y, w.X)),
            LvwCheckpoint.ReadWords(resumed.LastCheckpoint)!.Words.Select(w => (w.Image, w.Y, w.X)));

        // Extending a finished run adds its later epochs (and their pushes) only.
        var extended = LvwTrainer.Resume(f.Directory.File("split"), epochs: 5);
        Assert.Equal(["4nopush", "4push", "4_0push"], extended.Steps.Select(s => s.Step.Name));
    }

    /// <summary>
    /// LVW in bf16 (docs/precision.md): the warm-up epoch's loss within 1 % of float32's (measured 4.5e-4; the distances run
    /// in float32 inside the autocast scope), float32 master weights and the three optimisers' state, bf16 recorded, and the
    /// checkpoint classifies in float32. The float32 run resumes in bf16 into a joint epoch with the alignment loss.
    /// </summary>
    [Fact]
    public void ABf16RunTrainsLikeFloat32AndResumesFromAFloat32One()
    {
        using var f = new Fixture();
        LvwTrainingOptions Short(string run) => f.Options(run) with { Epochs = 1, WarmEpochs = 1, PushStart = 9 };
        var fp32 = LvwTrainer.Train(Short("fp32"));
        var bf16 = LvwTrainer.Train(Short("bf16") with { Precision = Precision.Bf16 });
        MixedPrecisionAssert.CloseButNotEqual(fp32.Steps[0].Training!.Loss, bf16.Steps[0].Training!.Loss, 0.01, "warm-up loss");
        MixedPrecisionAssert.MasterStateIsFloat32(bf16.LastCheckpoint);
        Assert.Equal("bf16", MixedPrecisionAssert.RecordedPrecision(bf16.RunDirectory));

        using (var loaded = ClassifierCheckpoint.Load(bf16.LastCheckpoint))
        using (var images = Tensor.Rand([2, 3, 64, 64]))
        using (var logits = loaded.Model.Call(images))
        {
            Assert.Equal(ScalarType.Float32, logits.DType);
            Assert.All(logits.ToArray<float>(), v => Assert.True(float.IsFinite(v)));
        }

        var messages = new MixedPrecisionAssert.Messages();
        var resumed = LvwTrainer.Resume(fp32.RunDirectory, epochs: 2, progress: messages, precision: Precision.Bf16);
        var joint = Assert.Single(resumed.Steps).Training!;
        Assert.True(double.IsFinite(joint.Loss) && joint.Align > 0, $"joint epoch in bf16: loss {joint.Loss}, align {joint.Align}");
        MixedPrecisionAssert.ContinuedInBf16(messages, fp32.RunDirectory, resumed.LastCheckpoint);
    }

    [Fact]
    public void ProtoPNetPushesEachPrototypeOntoItsOwnClass()
    {
        using var f = new Fixture();
        var result = LvwTrainer.Train(f.Options("protopnet", "protopnet") with { Epochs = 3 });
        Assert.Equal(5, result.StepsDone);
        var joint = result.Steps[1].Training!;
        Assert.False(double.IsNaN(joint.Separation));
        Assert.True(double.IsNaN(joint.Align), "ProtoPNet has no alignment loss");
        var words = LvwCheckpoint.ReadWords(result.LastCheckpoint)!;
        Assert.All(words.Words, w => Assert.Equal(w.Word / 2, w.Label));
        Assert.False(System.IO.Directory.Exists(f.Directory.File("targets")), "ProtoPNet needs no alignment targets");
        using var loaded = ClassifierCheckpoint.Load(result.LastCheckpoint);
        Assert.Equal(PrototypeMode.ProtoPNet, Assert.IsType<PrototypeNetwork>(loaded.Model).Mode);
    }

    [Fact]
    public void BadInputGetsOneClearError()
    {
        using var f = new Fixture(classes: 3);
        var e = Assert.Throws<DatasetException>(() => LvwTrainer.Train(f.Options("classes")));
        Assert.Contains("has 3", e.Message, StringComparison.Ordinal);
        Assert.Contains("base classifier", e.Message, StringComparison.Ordinal);

        using var g = new Fixture();
        Assert.Contains("--separation", Assert.Throws<ArgumentException>(() => LvwTrainer.Train(g.Options("sep") with { SeparationWeight = -0.08 })).Message,
            StringComparison.Ordinal);
        Assert.Contains("--mode", Assert.Throws<ArgumentException>(() => LvwTrainer.Train(g.Options("mode", "protonet"))).Message, StringComparison.Ordinal);

        // Cached targets made with other settings are refused with the differences named.
        var settings = new AlignmentTargetSettings("shapes", "train", 40, "abc", "def0123456789", "block4", 64);
        var path = g.Directory.File("other.safetensors");
        using (AlignmentTargets.LoadOrCompute(path, settings, () => Tensor.Zeros(40, 64, 64))) { }
        var wrong = Assert.Throws<InvalidDataException>(() => AlignmentTargets.Load(path, settings with { Layer = "block3", Images = 36 }));
        Assert.Contains("layer: block4 vs block3", wrong.Message, StringComparison.Ordinal);
        Assert.Contains("images: 40 vs 36", wrong.Message, StringComparison.Ordinal);

        // A run directory whose checkpoint comes from the other mode.
        var run = LvwTrainer.Train(g.Options("short") with { Epochs = 1, WarmEpochs = 1 });
        var config = Path.Combine(run.RunDirectory, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"mode\": \"lvw\"", "\"mode\": \"protopnet\"", StringComparison.Ordinal)
            .Replace("\"align_weight\": 10", "\"align_weight\": 0", StringComparison.Ordinal));
        var other = Assert.ThrowsAny<Exception>(() => LvwTrainer.Resume(run.RunDirectory, epochs: 2));
        Assert.Contains("written by a lvw run", other.Message, StringComparison.Ordinal);
    }

    private sealed class CancelOnMessage(string text, CancellationTokenSource cancel) : ITrainingProgress
    {
        public void Message(string message)
        {
            if (message.Contains(text, StringComparison.Ordinal)) cancel.Cancel();
        }
    }
}
