using Ocular.TestSupport;
using Ocular.Explain.Learned.LCam;
using Ocular.Torch;
using Ocular.Vision.Datasets;
using Ocular.Vision.Models;
using Ocular.Vision.Training;

namespace Ocular.Explain.Tests.LCam;

/// <summary>A compact-CNN classifier checkpoint for Shapes (random weights, seeded) in a temporary folder.</summary>
internal sealed class LCamFixture : IDisposable
{
    public LCamFixture(ulong seed = 1)
    {
        var train = DataSpec.Parse("shapes").Open(DataSplit.Train);
        var recipe = DataRecipe.For("shapes", train, null, "none");
        Metadata = recipe.Metadata("compact_cnn", train.ClassNames);
        Engine.ManualSeed(seed);
        using var model = ModelZoo.Create("compact_cnn", train.ClassNames.Count, recipe.InChannels);
        model.Eval();
        ClassifierPath = Directory.File("classifier.ocular");
        ClassifierCheckpoint.Save(ClassifierPath, model, Metadata);
    }

    public TempDirectory Directory { get; } = new();

    public ClassifierMetadata Metadata { get; }

    public string ClassifierPath { get; }

    public LCamTrainingOptions Options(string run, string variant = "fm") => new()
    {
        Classifier = ClassifierPath, Variant = variant, Data = "shapes", TrainImages = 48, TestImages = 16, Epochs = 2, BatchSize = 16,
        LearningRate = 0.05, Workers = 0, OutputDirectory = Directory.File(run),
    };

    public void Dispose() => Directory.Dispose();
}
