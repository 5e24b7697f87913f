using Ocular.Evaluation;
using Ocular.Evaluation.Metrics;
using Ocular.Explain;
using Ocular.Explain.Learned.LCam;
using Ocular.Torch;
using Ocular.Vision;
using Ocular.Vision.Images;
using Ocular.Vision.Models;
using Ocular.Vision.Transforms;

namespace Ocular.Cli.Tests;

/// <summary>
/// The README's library example, line for line (only the file names differ): a weights file imported into the zoo,
/// one image explained with Grad-CAM and L-CAM, AD and IC at 15 % kept. If this stops compiling or running, the README is wrong.
/// </summary>
public class ReadmeExampleTests
{
    [Fact]
    public void TheReadmeLibraryExampleRuns()
    {
        using var dir = new TempDirectory();
        var weights = TinyCheckpoint.Create(dir.Path, size: 64);          // stands in for resnet50.pth (PyTorchWeights reads both)
        var lcamRun = LCamTrainer.Train(new LCamTrainingOptions
        {
            Classifier = weights, Variant = "fm", Data = "shapes", TrainImages = 32, TestImages = 8, Epochs = 1, BatchSize = 16, OutputDirectory = dir.File("fm"),
        });
        var image = dir.File("cat.png");
        using (var sample = new Ocular.Vision.Datasets.Shapes.ShapesDataset(new() { Count = 1 }).Get(0)) ImageIO.WritePng(image, sample.Image);
        var lines = new List<string>();

        // ---- README example (architecture "resnet50" → "compact_cnn", Resize 256/CenterCrop 224 → 64/64) ----
        using var imported = PyTorchWeights.Import(weights, "compact_cnn");            // torchvision names; classes from the head
        var model = imported.Model;                                                    // in evaluation mode
        var preprocess = new Compose(new Resize(64), new CenterCrop(64), new ToTensor());
        using var raw = preprocess.Apply(ImageIO.Read(image)).Unsqueeze(0);            // [1, 3, H, W] in [0, 1]
        using var x = ImageNormalization.ImageNet.Apply(raw);                         // the network's input

        var scorer = new ModelScorer(model.Call, ImageNormalization.ImageNet);
        using var clean = Predictions.Of(scorer, raw);                                 // the predicted class, its probability
        using var gradCam = ExplainerRegistry.Create("grad-cam", model);               // the architecture's default layer
        using var lcam = ExplainerRegistry.Create("l-cam", model, new ExplainerOptions { Checkpoint = lcamRun.BestCheckpoint });
        foreach (var explainer in new[] { gradCam, lcam })
        {
            using var maps = explainer.Explain(x, clean.Classes);                      // [1, H, W] in [0, 1]
            using var kept = ConfidenceChange.Evaluate(scorer, raw, maps, clean, keepPercent: 15);
            lines.Add($"{explainer.Name}: AD {AverageDrop.Compute(kept.Clean, kept.Masked):F2} %, IC {IncreaseInConfidence.Compute(kept.Clean, kept.Masked):F2} %");
        }
        // ---- end of the README example ----

        Assert.Equal(2, lines.Count);
        Assert.StartsWith("grad-cam: AD ", lines[0]);
        Assert.StartsWith("l-cam: AD ", lines[1]);
    }
}
