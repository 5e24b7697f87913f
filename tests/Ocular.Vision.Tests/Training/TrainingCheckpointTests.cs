using Ocular.Torch;
using Ocular.Torch.Optim;
using Ocular.Vision.Models;
using Ocular.Vision.Training;
using F = Ocular.Torch.Functional;

namespace Ocular.Vision.Tests.Training;

// Uses and restores libtorch's global generator.
[Collection(GlobalStateCollection.Name)]
public class TrainingCheckpointTests
{
    private static readonly ClassifierMetadata Metadata = new()
    {
        Architecture = "compact_cnn", NumClasses = 3, InputSize = 16, ResizeSize = 16, Mean = [0.5], Std = [0.5],
    };

    [Fact]
    public void RestoresWeightsOptimizerSchedulerAndTheGlobalGenerator()
    {
        using var dir = new TempDirectory();
        var path = dir.File("last.ocular");
        Engine.ManualSeed(11);
        using var model = ModelZoo.Create("compact_cnn", 3);
        using var optimizer = new Sgd(model.Parameters(), lr: 0.1, momentum: 0.9);
        var scheduler = LrSchedule.Parse("step:1").Create(optimizer, 3, 1);
        using (var x = Tensor.Rand([4, 3, 16, 16], new Generator(1)))
        using (var y = Tensor.FromArray(new long[] { 0, 1, 2, 0 }, 4))
        using (var loss = F.CrossEntropy(model.Call(x), y))
            loss.Backward();
        optimizer.Step();
        scheduler.Step();
        TrainingCheckpoint.Save(path, model, Metadata, optimizer, scheduler, new TrainingState(1, 42.5, 1, 40.25));
        using var expectedDraw = Tensor.Rand([5]);   // the global generator's next numbers after the save

        Engine.ManualSeed(99);
        using var other = ModelZoo.Create("compact_cnn", 3);
        using var otherOptimizer = new Sgd(other.Parameters(), lr: 0.1, momentum: 0.9);
        var otherScheduler = LrSchedule.Parse("step:1").Create(otherOptimizer, 3, 1);
        var state = TrainingCheckpoint.Restore(path, other, otherOptimizer, otherScheduler);

        Assert.Equal(new TrainingState(1, 42.5, 1, 40.25), state);
        using var draw = Tensor.Rand([5]);
        Assert.True(draw.Equal(expectedDraw));
        Assert.Equal(ClassifierCheckpoint.WeightsHash(model), ClassifierCheckpoint.WeightsHash(other));
        Assert.Equal(0.01, otherOptimizer.ParamGroups[0].Lr, 12);
        Assert.Equal(scheduler.StateDict().ToJsonString(), otherScheduler.StateDict().ToJsonString());
        using (var a = optimizer.StateDict())
        using (var b = otherOptimizer.StateDict())
        {
            Assert.Equal(a.ToJson(), b.ToJson());
            Assert.True(a.Tensors["state.0.momentum_buffer"].Equal(b.Tensors["state.0.momentum_buffer"]));
        }

        // The file is also a plain classifier checkpoint; a plain checkpoint cannot be resumed from.
        using (var loaded = ClassifierCheckpoint.Load(path))
            Assert.Equal(ClassifierCheckpoint.WeightsHash(model), ClassifierCheckpoint.WeightsHash(loaded.Model));
        var plain = dir.File("plain.ocular");
        ClassifierCheckpoint.Save(plain, model, Metadata);
        Assert.Contains("not a training checkpoint", Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.ReadState(plain)).Message);
    }
}
