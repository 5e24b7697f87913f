using System.Text.Json.Nodes;
using Ocular.Torch.Nn;
using Ocular.Torch.Optim;
using Ocular.Torch.Optim.LrSchedulers;
using Ocular.Torch.Serialization;
using Ocular.Torch.Tests.Nn;

namespace Ocular.Torch.Tests.Optim;

/// <summary>
/// 30-point learning-rate (and momentum) trajectories against tests/fixtures/optim/make_optim.py
/// (torch.optim.lr_scheduler of PyTorch 1.13). The rates are doubles computed with the same operations
/// in the same order: tolerance 1e-12 relative.
/// </summary>
public sealed class LrSchedulerTests : IDisposable
{
    private const double Rtol = 1e-12;
    private const int Points = 30;

    private readonly SafeTensors.Contents _fx = Fixtures.Load("optim", "scheduler_trajectories.safetensors");
    private readonly Parameter _a = new(Tensor.Zeros(1));
    private readonly Parameter _b = new(Tensor.Zeros(1));

    public void Dispose()
    {
        _fx.Dispose();
        _a.Dispose();
        _b.Dispose();
    }

    /// <summary>Two groups, lr 0.1 and 0.02, as make_optim.py's sgd() and adam().</summary>
    private Optimizer MakeOptimizer(bool adam) => adam
        ? new Adam([new ParamGroup([_a]), new ParamGroup([_b], lr: 0.02)], lr: 0.1, beta1: 0.9, beta2: 0.99)
        : new Sgd([new ParamGroup([_a]), new ParamGroup([_b], lr: 0.02)], lr: 0.1, momentum: 0.9);

    private static LrScheduler MakeScheduler(string name, Optimizer o) => name switch
    {
        "step" => new StepLR(o, stepSize: 7, gamma: 0.5),
        "multistep" => new MultiStepLR(o, milestones: [5, 12, 12, 20], gamma: 0.3),
        "exponential" => new ExponentialLR(o, gamma: 0.9),
        "cosine" => new CosineAnnealingLR(o, tMax: 10, etaMin: 0.001),
        "cosine_no_min" => new CosineAnnealingLR(o, tMax: 7),
        "onecycle_cos" => new OneCycleLR(o, maxLr: [0.5, 0.1], totalSteps: Points),
        "onecycle_linear_adam" => new OneCycleLR(o, maxLr: 0.3, totalSteps: Points, pctStart: 0.25, annealStrategy: AnnealStrategy.Linear,
            divFactor: 10, finalDivFactor: 100, baseMomentum: 0.8, maxMomentum: 0.9),
        "onecycle_three_phase" => new OneCycleLR(o, maxLr: 0.4, totalSteps: Points, pctStart: 0.2, threePhase: true),
        "onecycle_no_momentum" => new OneCycleLR(o, maxLr: 0.4, totalSteps: Points, cycleMomentum: false),
        _ => throw new ArgumentException(name),
    };

    public static TheoryData<string> Schedulers =>
    [
        "step", "multistep", "exponential", "cosine", "cosine_no_min", "onecycle_cos", "onecycle_linear_adam", "onecycle_three_phase", "onecycle_no_momentum",
    ];

    private static double MomentumOf(ParamGroup g) => g.Has(Adam.Beta1Key) ? g[Adam.Beta1Key] : g[Sgd.MomentumKey];

    private void Check(string name, Optimizer o, ILrScheduler s, int t)
    {
        NnAssert.Close(NnAssert.Row(_fx.Tensors[$"{name}.lr"], t), s.GetLastLr(), Rtol, $"{name} point {t} lr");
        NnAssert.Close(NnAssert.Row(_fx.Tensors[$"{name}.lr"], t), o.ParamGroups.Select(g => g.Lr).ToArray(), Rtol, $"{name} point {t} group lr");
        if (_fx.Tensors.TryGetValue($"{name}.momentum", out var momentum))
            NnAssert.Close(NnAssert.Row(momentum, t), o.ParamGroups.Select(MomentumOf).ToArray(), Rtol, $"{name} point {t} momentum");
    }

    [Theory]
    [MemberData(nameof(Schedulers))]
    public void TrajectoryEqualsPyTorch(string name)
    {
        using var o = MakeOptimizer(adam: name.Contains("adam"));
        var s = MakeScheduler(name, o);
        Assert.Equal(0, s.LastEpoch);
        for (var t = 0; t < Points; t++)
        {
            if (t > 0)
            {
                o.Step();
                s.Step();
            }
            Check(name, o, s, t);
        }
    }

    [Theory]
    [InlineData("step", 7)]
    [InlineData("multistep", 12)]
    [InlineData("cosine", 13)]
    [InlineData("onecycle_cos", 9)]
    [InlineData("onecycle_linear_adam", 20)]
    [InlineData("onecycle_three_phase", 11)]
    public void ResumingFromSavedStateContinuesTheSameTrajectory(string name, int stopAt)
    {
        string optimizerJson, schedulerJson;
        var adam = name.Contains("adam");
        using (var o = MakeOptimizer(adam))
        {
            var s = MakeScheduler(name, o);
            for (var t = 1; t <= stopAt; t++) s.Step();
            using var state = o.StateDict();
            optimizerJson = state.ToJson();
            schedulerJson = s.StateDict().ToJsonString();
        }
        using var resumed = MakeOptimizer(adam);
        var r = MakeScheduler(name, resumed);
        using (var state = OptimizerStateDict.FromJson(optimizerJson)) resumed.LoadStateDict(state);
        r.LoadStateDict(JsonNode.Parse(schedulerJson)!.AsObject());
        Assert.Equal(stopAt, r.LastEpoch);
        Check(name, resumed, r, stopAt);
        for (var t = stopAt + 1; t < Points; t++)
        {
            r.Step();
            Check(name, resumed, r, t);
        }
    }

    [Fact]
    public void ConstructingWithLastEpochResumesFromInitialLr()
    {
        // PyTorch: with last_epoch ≠ −1 the groups must carry initial_lr (from the optimizer's saved state).
        using var o = MakeOptimizer(adam: false);
        var e = Assert.Throws<ArgumentException>(() => new StepLR(o, stepSize: 7, gamma: 0.5, lastEpoch: 6));
        Assert.Contains("initial_lr", e.Message);
        foreach (var g in o.ParamGroups) g[ParamGroup.InitialLrKey] = g.Lr;
        var s = new StepLR(o, stepSize: 7, gamma: 0.5, lastEpoch: 6);
        Assert.Equal(7, s.LastEpoch);
        Assert.Equal(new[] { 0.05, 0.01 }, s.GetLastLr());
    }

    [Fact]
    public void OneCycleRefusesToStepPastTheCycle()
    {
        using var o = MakeOptimizer(adam: false);
        var s = new OneCycleLR(o, maxLr: 0.1, totalSteps: 3);
        s.Step();
        s.Step();
        s.Step(); // step 3 = total steps is still allowed, as PyTorch
        var e = Assert.Throws<InvalidOperationException>(s.Step);
        Assert.Contains("Tried to step 5 times. The specified number of total steps is 3", e.Message);
    }

    [Fact]
    public void OneCycleNeedsSomethingToCycle()
    {
        using var o = new Adam([_a]);
        var s = new OneCycleLR(o, maxLr: 0.1, totalSteps: 10);
        Assert.Equal("beta1", s.MomentumKey);
        Assert.Equal(0.95, o.ParamGroups[0][Adam.Beta1Key]);
        Assert.Throws<ArgumentException>(() => new OneCycleLR(o, maxLr: [0.1, 0.2], totalSteps: 10));
    }

    [Fact]
    public void SchedulerStateIsCheckedOnLoad()
    {
        using var o = MakeOptimizer(adam: false);
        var step = new StepLR(o, stepSize: 7);
        var exp = new ExponentialLR(o, gamma: 0.9);
        var e = Assert.Throws<ArgumentException>(() => exp.LoadStateDict(step.StateDict()));
        Assert.Contains("of a StepLR, not ExponentialLR", e.Message);
        var state = step.StateDict();
        state.Remove("last_epoch");
        Assert.Contains("'last_epoch'", Assert.Throws<ArgumentException>(() => step.LoadStateDict(state)).Message);
    }

    [Theory]
    [InlineData("plateau_min_rel")]
    [InlineData("plateau_max_abs")]
    [InlineData("plateau_defaults")]
    public void ReduceLROnPlateauEqualsPyTorch(string name)
    {
        using var o = MakeOptimizer(adam: false);
        var s = MakePlateau(name, o);
        var metrics = _fx.Tensors[$"{name}.metrics"].ToArray<double>();
        for (var t = 0; t < metrics.Length; t++)
        {
            s.Step(metrics[t]);
            NnAssert.Close(NnAssert.Row(_fx.Tensors[$"{name}.lr"], t), s.GetLastLr(), Rtol, $"{name} step {t}");
        }
    }

    private static ReduceLROnPlateau MakePlateau(string name, Optimizer o) => name switch
    {
        "plateau_min_rel" => new ReduceLROnPlateau(o, PlateauMode.Min, factor: 0.5, patience: 2, threshold: 1e-2, thresholdMode: ThresholdMode.Rel,
            cooldown: 1, minLr: 0.01),
        "plateau_max_abs" => new ReduceLROnPlateau(o, PlateauMode.Max, factor: 0.3, patience: 1, threshold: 0.02, thresholdMode: ThresholdMode.Abs,
            cooldown: 0, minLrs: [0.005, 0.004]),
        "plateau_defaults" => new ReduceLROnPlateau(o, patience: 3),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [InlineData("plateau_min_rel", 0)]
    [InlineData("plateau_min_rel", 13)]
    [InlineData("plateau_max_abs", 9)]
    public void ReduceLROnPlateauResumes(string name, int stopAfter)
    {
        var metrics = _fx.Tensors[$"{name}.metrics"].ToArray<double>();
        string optimizerJson, schedulerJson;
        using (var o = MakeOptimizer(adam: false))
        {
            var s = MakePlateau(name, o);
            for (var t = 0; t < stopAfter; t++) s.Step(metrics[t]);
            using var state = o.StateDict();
            optimizerJson = state.ToJson();
            schedulerJson = s.StateDict().ToJsonString();
        }
        using var resumed = MakeOptimizer(adam: false);
        var r = MakePlateau(name, resumed);
        using (var state = OptimizerStateDict.FromJson(optimizerJson)) resumed.LoadStateDict(state);
        r.LoadStateDict(JsonNode.Parse(schedulerJson)!.AsObject());
        for (var t = stopAfter; t < metrics.Length; t++)
        {
            r.Step(metrics[t]);
            NnAssert.Close(NnAssert.Row(_fx.Tensors[$"{name}.lr"], t), r.GetLastLr(), Rtol, $"{name} step {t}");
        }
    }

    [Fact]
    public void ReduceLROnPlateauRejectsAFactorOfOneOrMore()
    {
        using var o = MakeOptimizer(adam: false);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceLROnPlateau(o, factor: 1.0));
        Assert.Throws<ArgumentException>(() => new ReduceLROnPlateau(o, minLrs: [0.1]));
    }
}
