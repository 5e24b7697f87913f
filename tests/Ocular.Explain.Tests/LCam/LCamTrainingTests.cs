using Ocular.Explain.Learned.LCam;
using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Models;

namespace Ocular.Explain.Tests.LCam;

/// <summary>Training runs on a few Shapes images: resuming, the cache's equivalence, the checkpoint and the registry entry.</summary>
[Collection(GlobalStateCollection.Name)]
public class LCamTrainingTests
{
    private static Dictionary<string, float[]> Weights(string path)
    {
        using var c = SafeTensors.Load(path);
        return c.Tensors.Where(kv => !kv.Key.Contains('.') || kv.Key.StartsWith("conv", StringComparison.Ordinal) || kv.Key.StartsWith("fuser", StringComparison.Ordinal) || kv.Key.StartsWith("bn", StringComparison.Ordinal))
            .Where(kv => !kv.Key.StartsWith("optimizer", StringComparison.Ordinal) && !kv.Key.StartsWith("generator", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key, kv => kv.Value.To(ScalarType.Float32).ToArray<float>());
    }

    [Fact]
    public void AResumedRunEndsWithTheWeightsOfAnUninterruptedOne()
    {
        using var f = new LCamFixture();
        var whole = LCamTrainer.Train(f.Options("whole"));
        Assert.Equal(2, whole.CompletedEpochs);
        Assert.Equal(2, whole.Epochs.Count);

        var first = LCamTrainer.Train(f.Options("split") with { Epochs = 1 });
        Assert.Equal(1, first.CompletedEpochs);
        var resumed = LCamTrainer.Resume(first.RunDirectory, epochs: 2);
        Assert.Equal(2, resumed.CompletedEpochs);
        Assert.Single(resumed.Epochs);

        var a = Weights(whole.LastCheckpoint);
        var b = Weights(resumed.LastCheckpoint);
        Assert.Equal(["conv.bias", "conv.weight"], a.Keys.Order());
        foreach (var key in a.Keys) Assert.Equal(a[key], b[key]);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(resumed.RunDirectory, "metrics.jsonl")).Length);
    }

    [Fact]
    public void TheFeatureCacheTrainsOnTheSameInputsAsTheUncachedLoop()
    {
        using var f = new LCamFixture();
        var cached = LCamTrainer.Train(f.Options("cached") with { Epochs = 1, CacheType = "float32" });
        var uncached = LCamTrainer.Train(f.Options("uncached") with { Epochs = 1, Cache = "none" });
        Assert.True(cached.CacheSeconds > 0);
        Assert.Equal(0, uncached.CacheSeconds);
        var a = Weights(cached.LastCheckpoint);
        var b = Weights(uncached.LastCheckpoint);
        foreach (var key in a.Keys)
            for (var i = 0; i < a[key].Length; i++) Assert.Equal(b[key][i], a[key][i], 4);
        Assert.Equal(uncached.Epochs[0].TrainLoss, cached.Epochs[0].TrainLoss, 4);
    }

    [Fact]
    public void TheCheckpointExplainsItsClassifierAndRefusesAnother()
    {
        using var f = new LCamFixture();
        var run = LCamTrainer.Train(f.Options("img", "img") with { Epochs = 1 });
        var metadata = LCamCheckpoint.ReadMetadata(run.BestCheckpoint);
        Assert.Equal("img", metadata.Variant);
        Assert.Equal(["block4"], metadata.Layers);
        Assert.Equal(6, metadata.NumClasses);

        using var loaded = ClassifierCheckpoint.Load(f.ClassifierPath);
        Assert.Equal(ClassifierCheckpoint.WeightsHash(loaded.Model), metadata.ClassifierWeightsHash);
        using var images = Tensor.Rand([3, 3, 64, 64]);
        using var targets = Tensor.FromArray(new long[] { 0, 3, 5 });
        using (var explainer = ExplainerRegistry.Create("l-cam", loaded.Model, new ExplainerOptions { Checkpoint = run.BestCheckpoint }))
        {
            Assert.Equal("learned", ExplainerRegistry.Find("L-CAM").Kind);
            using var maps = explainer.Explain(images, targets);
            MapAssert.IsSaliency(maps, 3, 64, 64, "l-cam");
            Assert.Equal("img", explainer.Settings["variant"]);
        }

        Engine.ManualSeed(99);
        using var other = ModelZoo.Create("compact_cnn", 6);
        other.Eval();
        var e = Assert.Throws<InvalidDataException>(() => ExplainerRegistry.Create("l-cam", other, new ExplainerOptions { Checkpoint = run.BestCheckpoint }));
        Assert.Contains("trained for another compact_cnn classifier", e.Message);
        Assert.Contains(run.BestCheckpoint, e.Message);

        // A copy randomised by the sanity check from the trained classifier is accepted; one from another classifier is not.
        other.RandomisedFromWeightsHash = metadata.ClassifierWeightsHash;
        using (var onRandomised = ExplainerRegistry.Create("l-cam", other, new ExplainerOptions { Checkpoint = run.BestCheckpoint }))
        using (var maps = onRandomised.Explain(images, targets))
            MapAssert.IsSaliency(maps, 3, 64, 64, "l-cam on a randomised copy");
        other.RandomisedFromWeightsHash = ClassifierCheckpoint.WeightsHash(other);
        Assert.Throws<InvalidDataException>(() => ExplainerRegistry.Create("l-cam", other, new ExplainerOptions { Checkpoint = run.BestCheckpoint }));

        var missing = Assert.Throws<ArgumentException>(() => ExplainerRegistry.Create("l-cam", other));
        Assert.Contains("needs its trained checkpoint", missing.Message);
        var notLCam = Assert.Throws<InvalidDataException>(() => ExplainerRegistry.Create("l-cam", other, new ExplainerOptions { Checkpoint = f.ClassifierPath }));
        Assert.Contains("a classifier checkpoint, not an L-CAM checkpoint", notLCam.Message);
    }

    /// <summary>
    /// L-CAM-Fm in bf16 (docs/precision.md): the first epoch's training loss within 1 % of float32's (measured 6e-5, emulated bf16),
    /// float32 master weights and optimiser state, bf16 recorded, and the checkpoint explains in float32. An L-CAM-Img run
    /// trained in float32 resumes in bf16 (its whole classifier under autocast), the change said and recorded.
    /// </summary>
    [Fact]
    public void ABf16RunTrainsLikeFloat32AndItsCheckpointExplainsInFloat32()
    {
        using var f = new LCamFixture();
        var fp32 = LCamTrainer.Train(f.Options("fp32") with { Epochs = 1 });
        var bf16 = LCamTrainer.Train(f.Options("bf16") with { Epochs = 1, Precision = Precision.Bf16 });
        MixedPrecisionAssert.CloseButNotEqual(fp32.Epochs[0].TrainLoss, bf16.Epochs[0].TrainLoss, 0.01, "first-epoch training loss");
        MixedPrecisionAssert.CloseButNotEqual(fp32.Epochs[0].TestLoss, bf16.Epochs[0].TestLoss, 0.01, "first-epoch test loss");
        MixedPrecisionAssert.MasterStateIsFloat32(bf16.LastCheckpoint);
        Assert.Equal("bf16", MixedPrecisionAssert.RecordedPrecision(bf16.RunDirectory));
        Assert.Equal("fp32", MixedPrecisionAssert.RecordedPrecision(fp32.RunDirectory));

        using var loaded = ClassifierCheckpoint.Load(f.ClassifierPath);
        using var images = Tensor.Rand([2, 3, 64, 64]);
        using var targets = Tensor.FromArray(new long[] { 1, 4 });
        using (var explainer = ExplainerRegistry.Create("l-cam", loaded.Model, new ExplainerOptions { Checkpoint = bf16.LastCheckpoint }))
        using (var maps = explainer.Explain(images, targets))
        {
            Assert.Equal(ScalarType.Float32, maps.DType);
            MapAssert.IsSaliency(maps, 2, 64, 64, "l-cam trained in bf16");
        }

        var img = LCamTrainer.Train(f.Options("img", "img") with { Epochs = 1, TrainImages = 32 });
        var messages = new MixedPrecisionAssert.Messages();
        var resumed = LCamTrainer.Resume(img.RunDirectory, epochs: 2, progress: messages, precision: Precision.Bf16);
        Assert.Equal(2, resumed.CompletedEpochs);
        Assert.True(double.IsFinite(Assert.Single(resumed.Epochs).TrainLoss));
        MixedPrecisionAssert.ContinuedInBf16(messages, img.RunDirectory, resumed.LastCheckpoint);
    }

    [Fact]
    public void BadOptionsAreRefusedBeforeAnythingIsWritten()
    {
        using var f = new LCamFixture();
        Assert.Contains("applies to L-CAM-Fm only", Assert.Throws<ArgumentException>(() => LCamTrainer.Train(f.Options("x", "img") with { Cache = "memory" })).Message);
        Assert.Contains("unknown L-CAM variant 'foo'", Assert.Throws<ArgumentException>(() => LCamTrainer.Train(f.Options("y", "foo"))).Message);
        Assert.False(Directory.Exists(f.Directory.File("x")) && File.Exists(Path.Combine(f.Directory.File("x"), "config.json")));
    }
}
