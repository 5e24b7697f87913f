using Ocular.Torch;
using Ocular.Torch.Optim;
using Ocular.Vision.Training;

namespace Ocular.Vision.Tests.Training;

public class LrScheduleTests
{
    [Fact]
    public void ParsesEveryForm()
    {
        Assert.Equal(LrScheduleKind.Constant, LrSchedule.Parse("constant").Kind);
        Assert.Equal(LrScheduleKind.Cosine, LrSchedule.Parse(" Cosine ").Kind);
        Assert.True(LrSchedule.Parse("onecycle").StepsPerBatch);
        var step = LrSchedule.Parse("step:30,60,gamma=0.2");
        Assert.Equal([30, 60], step.Milestones);
        Assert.Equal(0.2, step.Gamma);
        Assert.Equal("step:30,60,gamma=0.2", step.ToString());
        Assert.False(step.DependsOnLength);
        Assert.True(LrSchedule.Parse("cosine").DependsOnLength);
    }

    [Theory]
    [InlineData("linear", "unknown schedule 'linear'")]
    [InlineData("step:", "'' is not an increasing positive epoch")]
    [InlineData("step:60,30", "'30' is not an increasing positive epoch")]
    [InlineData("step:gamma=0.5", "lists no milestone")]
    public void ABadScheduleSaysWhatIsAccepted(string text, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => LrSchedule.Parse(text));
        Assert.Contains(message, e.Message);
        Assert.Contains(LrSchedule.Accepted, e.Message);
    }

    [Fact]
    public void TheSchedulesFollowPyTorchsFormulas()
    {
        using var w = Tensor.Zeros([1], ScalarType.Float32, requiresGrad: true);
        double[] Rates(string schedule, int epochs, int batches)
        {
            using var opt = new Sgd([w], lr: 0.1, momentum: 0.9);
            var s = LrSchedule.Parse(schedule).Create(opt, epochs, batches);
            var rates = new List<double>();
            for (var e = 0; e < epochs; e++)
            {
                rates.Add(opt.ParamGroups[0].Lr);
                for (var b = 0; b < batches && LrSchedule.Parse(schedule).StepsPerBatch; b++) s.Step();
                if (!LrSchedule.Parse(schedule).StepsPerBatch) s.Step();
            }
            return [.. rates];
        }
        Assert.Equal([0.1, 0.1, 0.1], Rates("constant", 3, 2));
        var step = Rates("step:1,2", 3, 2);
        Assert.Equal(0.1, step[0]);
        Assert.Equal(0.01, step[1], 12);
        Assert.Equal(0.001, step[2], 12);
        var cosine = Rates("cosine", 4, 1);
        Assert.Equal(0.1 * (1 + Math.Cos(Math.PI / 4)) / 2, cosine[1], 12);
        Assert.Equal(0.1 / 25, Rates("onecycle", 2, 5)[0], 12); // starts at max_lr / div_factor
    }
}
