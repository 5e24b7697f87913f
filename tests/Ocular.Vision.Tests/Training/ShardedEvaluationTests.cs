using Ocular.Torch;
using Ocular.TestSupport;
using Ocular.Vision.Datasets.Shapes;
using Ocular.Vision.Models;
using Ocular.Vision.Training;
using Ocular.Vision.Transforms;

namespace Ocular.Vision.Tests.Training;

/// <summary>
/// Evaluation shared by ranks (each the single process's batches r, r + W, …, sums all-reduced) returns the single
/// process's results on every rank: the confusion matrix, top-1 and top-5 exactly, the mean loss within 1e-6 (float sums
/// in another order); 21 images over 2 ranks checks the uneven split.
/// </summary>
public class ShardedEvaluationTests
{
    [Fact]
    public void TwoRanksEvaluateAsOneProcess()
    {
        var data = new ShapesDataset(new ShapesOptions { Count = 21, ImageSize = 32 });
        var transform = new Compose(new ToTensor(), Normalize.ImageNet());
        Engine.ManualSeed(3);
        using var model = ModelZoo.Create("compact_cnn", data.ClassNames.Count);
        var single = ClassifierEvaluation.Evaluate(model, data, transform, batchSize: 4, workers: 0);

        var models = new[] { model, ModelZoo.Create("compact_cnn", data.ClassNames.Count) };
        models[1].LoadStateDict(model.StateDict());
        var results = LoopbackRanks.Run(2, group => ClassifierEvaluation.Evaluate(models[group.Rank], data, transform, batchSize: 4, workers: 0, group: group));
        models[1].Dispose();

        foreach (var r in results)
        {
            Assert.Equal(21, r.Count);
            Assert.Equal(single.Top1, r.Top1);
            Assert.Equal(single.Top5, r.Top5);
            Assert.Equal(single.Confusion, r.Confusion);
            Assert.Equal(single.Loss, r.Loss, 1e-6);
        }
    }
}
