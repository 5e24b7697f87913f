using System.Text.Json;
using Ocular.Torch;
using Ocular.Vision.Datasets;
using Ocular.Vision.Models;
using Ocular.Vision.Training;

namespace Ocular.Vision.Tests.Training;

/// <summary>
/// Classifier training in bf16 (docs/precision.md, "Mixed-precision training"): autocast forward and loss, float32
/// master weights and optimiser state, the checkpoint interchangeable with float32 runs, the precision in config.json
/// and a resumed run's change of precision recorded.
/// </summary>
[Collection(GlobalStateCollection.Name)]
public class MixedPrecisionTrainingTests
{
    private const string Data = "shapes:count=96,test-count=32,size=32";

    private static TrainingOptions Options(string directory, Precision precision, int epochs = 1) => new()
    {
        Data = Data, Architecture = "compact_cnn", Epochs = epochs, BatchSize = 32, LearningRate = 0.05, Seed = 5, Workers = 0,
        SelectOnTest = true, Precision = precision, OutputDirectory = directory,
    };

    /// <summary>
    /// One epoch in each precision from the same seed: bf16's training and test losses are within 0.5 % of float32's
    /// (measured 4e-5 and 6e-6 relative, emulated bf16), its checkpoint holds float32 weights and optimiser state only,
    /// and it loads and evaluates in float32 to within 0.5 % of the test loss the bf16 run measured (1e-5). The
    /// emulation notice comes once.
    /// </summary>
    [Fact]
    public void ABf16EpochTrainsLikeFloat32AndItsCheckpointRunsInFloat32()
    {
        using var dir = new TempDirectory();
        var fp32 = ClassifierTrainer.Train(Options(dir.File("fp32"), Precision.Fp32));
        var messages = new MixedPrecisionAssert.Messages();
        var bf16 = MixedPrecisionAssert.WithNativeBf16(false, () => ClassifierTrainer.Train(Options(dir.File("bf16"), Precision.Bf16), messages));

        MixedPrecisionAssert.CloseButNotEqual(fp32.Epochs[0].TrainLoss, bf16.Epochs[0].TrainLoss, 0.005, "first-epoch training loss");
        MixedPrecisionAssert.CloseButNotEqual(fp32.Epochs[0].TestLoss, bf16.Epochs[0].TestLoss, 0.005, "first-epoch test loss");
        Assert.Single(messages.Lines, l => l.Contains("bf16", StringComparison.Ordinal) && l.Contains("emulated", StringComparison.Ordinal));
        MixedPrecisionAssert.MasterStateIsFloat32(bf16.LastCheckpoint);
        Assert.Equal("fp32", MixedPrecisionAssert.RecordedPrecision(fp32.RunDirectory));
        Assert.Equal("bf16", MixedPrecisionAssert.RecordedPrecision(bf16.RunDirectory));

        // The bf16 run's checkpoint is an ordinary float32 classifier: its float32 test loss is the bf16 run's to bf16's rounding.
        using var loaded = ClassifierCheckpoint.Load(bf16.LastCheckpoint);
        var test = DataSpec.Parse(Data).Open(DataSplit.Test);
        var evaluated = ClassifierEvaluation.Evaluate(loaded.Model, test, loaded.Metadata.Preprocessing(), batchSize: 32, workers: 0);
        MixedPrecisionAssert.CloseButNotEqual(evaluated.Loss, bf16.Epochs[0].TestLoss, 0.005, "the bf16 checkpoint's float32 test loss");
    }

    /// <summary>
    /// A float32 run resumed with bf16 continues in bf16 (the change said and recorded in config.json); resumed again
    /// without a precision (complete: nothing left to train) it keeps the recorded one.
    /// </summary>
    [Fact]
    public void AFloat32RunResumesInBf16AndKeepsIt()
    {
        using var dir = new TempDirectory();
        var first = ClassifierTrainer.Train(Options(dir.File("run"), Precision.Fp32));
        var messages = new MixedPrecisionAssert.Messages();
        var resumed = ClassifierTrainer.Resume(first.RunDirectory, epochs: 2, progress: messages, precision: Precision.Bf16);
        Assert.Equal(2, resumed.CompletedEpochs);
        Assert.True(double.IsFinite(Assert.Single(resumed.Epochs).TrainLoss));
        MixedPrecisionAssert.ContinuedInBf16(messages, first.RunDirectory, resumed.LastCheckpoint);

        var again = new MixedPrecisionAssert.Messages();
        Assert.Empty(ClassifierTrainer.Resume(first.RunDirectory, progress: again).Epochs);
        Assert.Equal(Precision.Bf16, again.Run!.Options.Precision);
        Assert.DoesNotContain(again.Lines, l => l.Contains("was trained in", StringComparison.Ordinal));
        Assert.Equal("bf16", MixedPrecisionAssert.RecordedPrecision(first.RunDirectory));
    }

    /// <summary>The precision's spelling in config.json, a config.json from before the option (float32), a bad value, and what a resume may change.</summary>
    [Fact]
    public void ThePrecisionIsReadBackAndAResumeSaysWhatChanges()
    {
        var written = JsonSerializer.Serialize(Options("x", Precision.Bf16), RunDirectory.Json);
        Assert.Contains("\"precision\": \"bf16\"", written, StringComparison.Ordinal);
        Assert.Equal(Precision.Bf16, JsonSerializer.Deserialize<TrainingOptions>(written, RunDirectory.Json)!.Precision);
        Assert.Equal(Precision.Fp32, JsonSerializer.Deserialize<TrainingOptions>("""{"data": "shapes", "output_directory": "x"}""", RunDirectory.Json)!.Precision);
        var bad = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<TrainingOptions>("""{"data": "shapes", "output_directory": "x", "precision": "half"}""", RunDirectory.Json));
        Assert.Contains("--precision must be fp32, bf16 or auto, got 'half'", bad.Message, StringComparison.Ordinal);

        var run = new RunDirectory("runs/x");
        Assert.Equal((Precision.Fp32, (string?)null), ResumeChanges.Reprecision(run, Precision.Fp32, null));
        Assert.Equal((Precision.Bf16, (string?)null), ResumeChanges.Reprecision(run, Precision.Bf16, null));
        Assert.Equal((Precision.Fp32, (string?)null), ResumeChanges.Reprecision(run, Precision.Fp32, Precision.Fp32));
        // auto resolves on this processor: without native bfloat16 it is float32, no change; with it, a change to bf16.
        Assert.Null(MixedPrecisionAssert.WithNativeBf16(false, () => ResumeChanges.Reprecision(run, Precision.Fp32, Precision.Auto)).Message);
        var (precision, message) = MixedPrecisionAssert.WithNativeBf16(true, () => ResumeChanges.Reprecision(run, Precision.Fp32, Precision.Auto));
        Assert.Equal(Precision.Auto, precision);
        Assert.Equal($"{run.Path} was trained in fp32 and continues in bf16: the float32 weights and optimiser state carry over, the later epochs' arithmetic differs", message);
        Assert.Contains("trained in bf16 and continues in fp32", ResumeChanges.Reprecision(run, Precision.Bf16, Precision.Fp32).Message, StringComparison.Ordinal);
    }
}
