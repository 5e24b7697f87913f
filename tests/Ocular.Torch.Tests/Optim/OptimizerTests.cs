using System.Text.Json.Nodes;
using Ocular.Torch.Nn;
using Ocular.Torch.Optim;
using Ocular.Torch.Optim.LrSchedulers;
using Ocular.Torch.Serialization;
using Ocular.Torch.Tests.Nn;
using F = Ocular.Torch.Functional;

namespace Ocular.Torch.Tests.Optim;

/// <summary>
/// 10-step trajectories of Linear(4,8)-ReLU-Linear(8,3) trained with cross-entropy, against
/// tests/fixtures/optim/make_optim.py (torch.optim of PyTorch 1.13). Parameters and optimizer state
/// are float32: tolerance 1e-6 relative + 1e-7 absolute; learning rates are doubles: 1e-12 relative.
/// </summary>
public sealed class OptimizerTests : IDisposable
{
    private const double Rtol = 1e-6;
    private const double Atol = 1e-7;
    private const double LrRtol = 1e-12;
    private const int Steps = 10;
    private static readonly string[] ParamNames = ["0.weight", "0.bias", "2.weight", "2.bias"];

    private readonly SafeTensors.Contents _fx = Fixtures.Load("optim", "optim_trajectories.safetensors");

    public void Dispose() => _fx.Dispose();

    public static TheoryData<string> Configs =>
    [
        "sgd_plain", "sgd_momentum", "sgd_nesterov", "sgd_groups", "adam", "adam_amsgrad_wd", "adamw", "adamw_onecycle", "sgd_onecycle",
    ];

    private sealed class Run : IDisposable
    {
        public required Sequential Model { get; init; }
        public required Parameter Unused { get; init; }
        public required Optimizer Optimizer { get; init; }
        public ILrScheduler? Scheduler { get; init; }

        public void Dispose()
        {
            Optimizer.Dispose();
            Model.Dispose();
            Unused.Dispose();
        }
    }

    /// <summary>The model with the fixture's initial weights (its own init draws from a private generator, then is overwritten).</summary>
    private Sequential MakeModel(ulong seed = 0)
    {
        using var g = new Generator(seed);
        var model = new Sequential(new Linear(4, 8, generator: g), new ReLU(), new Linear(8, 3, generator: g));
        var initial = ParamNames.ToDictionary(n => n, n => _fx.Tensors["model." + n]);
        model.LoadStateDict(initial);
        return model;
    }

    /// <summary>The optimizer and scheduler of a configuration, as make_optim.py builds them.</summary>
    private Run Make(string config, ulong seed = 0)
    {
        var model = MakeModel(seed);
        var unused = new Parameter(Tensor.Zeros(2));
        var p = model.NamedParameters().ToDictionary(x => x.Path, x => (Tensor)x.Parameter);
        Tensor[] first = [p["0.weight"], p["0.bias"]];
        Tensor[] second = [p["2.weight"], p["2.bias"]];
        Tensor[] all = [.. first, .. second];
        Optimizer opt;
        ILrScheduler? sched = null;
        switch (config)
        {
            case "sgd_plain":
                opt = new Sgd(all, lr: 0.1);
                break;
            case "sgd_momentum":
                opt = new Sgd(all, lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01);
                sched = new StepLR(opt, stepSize: 3, gamma: 0.5);
                break;
            case "sgd_nesterov":
                opt = new Sgd(all, lr: 0.05, momentum: 0.8, nesterov: true, weightDecay: 1e-3);
                break;
            case "sgd_groups":
                opt = new Sgd([new ParamGroup(first, lr: 0.1, weightDecay: 0.01), new ParamGroup(second)], lr: 0.02, momentum: 0.9, weightDecay: 0);
                sched = new ExponentialLR(opt, gamma: 0.9);
                break;
            case "adam":
                opt = new Adam([.. first, unused, .. second], lr: 0.01);
                break;
            case "adam_amsgrad_wd":
                opt = new Adam(all, lr: 0.02, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.05, amsgrad: true);
                sched = new CosineAnnealingLR(opt, tMax: 4, etaMin: 0.001);
                break;
            case "adamw":
                opt = new AdamW(all, lr: 0.01, weightDecay: 0.1);
                break;
            case "adamw_onecycle":
                opt = new AdamW(all, lr: 0.01, amsgrad: true, maximize: true);
                sched = new OneCycleLR(opt, maxLr: 0.05, totalSteps: Steps, pctStart: 0.3);
                break;
            case "sgd_onecycle":
                opt = new Sgd([new ParamGroup(first), new ParamGroup(second)], lr: 0.1, momentum: 0.9);
                sched = new OneCycleLR(opt, maxLr: [0.2, 0.05], totalSteps: Steps, annealStrategy: AnnealStrategy.Linear);
                break;
            default:
                throw new ArgumentException(config);
        }
        return new Run { Model = model, Unused = unused, Optimizer = opt, Scheduler = sched };
    }

    private static double MomentumOf(ParamGroup g) => g.Has(Adam.Beta1Key) ? g[Adam.Beta1Key] : g[Sgd.MomentumKey];

    /// <summary>One training step as make_optim.py takes it, checking the rates used and the parameters after.</summary>
    private void StepAndCheck(Run run, string config, int t)
    {
        run.Optimizer.ZeroGrad();
        using (var scope = DisposeScope.Enter())
        {
            var x = _fx.Tensors["inputs"].Select(0, t);
            var y = _fx.Tensors["targets"].Select(0, t);
            var loss = F.CrossEntropy(run.Model.Call(x), y);
            loss.Backward();
        }
        var groups = run.Optimizer.ParamGroups;
        NnAssert.Close(NnAssert.Row(_fx.Tensors[$"{config}.lr"], t), groups.Select(g => g.Lr).ToArray(), LrRtol, $"{config} step {t} lr");
        if (_fx.Tensors.TryGetValue($"{config}.momentum", out var momentum))
            NnAssert.Close(NnAssert.Row(momentum, t), groups.Select(MomentumOf).ToArray(), LrRtol, $"{config} step {t} momentum");

        run.Optimizer.Step();
        switch (run.Scheduler)
        {
            case LrScheduler s:
                s.Step();
                break;
            case null:
                break;
            default:
                throw new InvalidOperationException("unexpected scheduler");
        }

        foreach (var (name, param) in run.Model.NamedParameters())
        {
            using var expected = _fx.Tensors[$"{config}.{name}"].Select(0, t);
            NnAssert.Close(expected, param, Rtol, Atol, $"{config} step {t} {name}");
        }
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void TenStepTrajectoryEqualsPyTorch(string config)
    {
        using var run = Make(config);
        for (var t = 0; t < Steps; t++) StepAndCheck(run, config, t);

        // The final state equals PyTorch's state_dict()["state"], index by index.
        using var state = run.Optimizer.StateDict();
        var expectedKeys = _fx.Tensors.Keys.Where(k => k.StartsWith(config + ".state.", StringComparison.Ordinal))
            .Select(k => k[(config.Length + 1)..]).Order().ToList();
        Assert.Equal(expectedKeys, state.Tensors.Keys.Order().ToList());
        foreach (var key in expectedKeys)
            NnAssert.Close(_fx.Tensors[$"{config}.{key}"], state.Tensors[key], Rtol, Atol, $"{config} {key}");
        var expectedSteps = _fx.Tensors.Where(kv => kv.Key.StartsWith(config + ".step.", StringComparison.Ordinal))
            .ToDictionary(kv => int.Parse(kv.Key[(config.Length + 6)..]), kv => kv.Value.Item<double>());
        Assert.Equal(expectedSteps.Keys.Order(), state.State.Keys.Order());
        foreach (var (index, step) in expectedSteps) Assert.Equal(step, state.State[index][Adam.StepKey]);
    }

    [Theory]
    [InlineData("sgd_momentum", 4)]
    [InlineData("sgd_groups", 3)]
    [InlineData("adam", 5)]
    [InlineData("adam_amsgrad_wd", 5)]
    [InlineData("adamw_onecycle", 3)]
    [InlineData("sgd_onecycle", 6)]
    public void ResumingFromSavedStateContinuesTheSameTrajectory(string config, int stopAfter)
    {
        var dir = Directory.CreateTempSubdirectory("ocular-optim-");
        try
        {
            var modelPath = Path.Combine(dir.FullName, "model.safetensors");
            var optimPath = Path.Combine(dir.FullName, "optimizer.safetensors");
            string? schedulerJson = null;
            using (var run = Make(config))
            {
                for (var t = 0; t < stopAfter; t++) StepAndCheck(run, config, t);
                var weights = run.Model.StateDict();
                SafeTensors.Save(modelPath, weights);
                foreach (var w in weights.Values) w.Dispose();
                using var state = run.Optimizer.StateDict();
                state.Save(optimPath);
                schedulerJson = run.Scheduler?.StateDict().ToJsonString();
            }

            // As a fresh process: build model, optimizer and scheduler anew, then load the three states.
            using var resumed = Make(config, seed: 99);
            using (var weights = SafeTensors.Load(modelPath)) resumed.Model.LoadStateDict(weights.Tensors);
            using (var state = OptimizerStateDict.Load(optimPath)) resumed.Optimizer.LoadStateDict(state);
            if (schedulerJson is not null) resumed.Scheduler!.LoadStateDict(JsonNode.Parse(schedulerJson)!.AsObject());
            for (var t = stopAfter; t < Steps; t++) StepAndCheck(resumed, config, t);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void StateDictJsonRoundTripsAndNamesStateByParameterIndex()
    {
        using var run = Make("adam");
        for (var t = 0; t < 2; t++) StepAndCheck(run, "adam", t);
        using var state = run.Optimizer.StateDict();
        var json = state.ToJson();
        var doc = JsonNode.Parse(json)!.AsObject();
        Assert.Equal("ocular.optimizer/1", (string?)doc["format"]);
        Assert.Equal("Adam", (string?)doc["optimizer"]);
        Assert.Equal(0.01, (double)doc["param_groups"]![0]!["options"]!["lr"]!);
        Assert.Equal(new[] { 0, 1, 2, 3, 4 }, doc["param_groups"]![0]!["params"]!.AsArray().Select(n => (int)n!));
        Assert.Equal(2.0, (double)doc["state"]!["4"]!["step"]!);
        Assert.Null(doc["state"]!["2"]); // the unused parameter never had a gradient
        Assert.Contains("state.4.exp_avg_sq", state.Tensors.Keys);

        using var copy = OptimizerStateDict.FromJson(json, state.Tensors.ToDictionary(kv => kv.Key, kv => kv.Value.Clone()));
        Assert.Equal(json, copy.ToJson());
        Assert.Equal(state.Tensors.Keys.Order(), copy.Tensors.Keys.Order());
    }

    [Fact]
    public void StateDictIsASnapshot()
    {
        using var run = Make("sgd_momentum");
        StepAndCheck(run, "sgd_momentum", 0);
        using var state = run.Optimizer.StateDict();
        using var before = state.Tensors["state.0.momentum_buffer"].Clone();
        StepAndCheck(run, "sgd_momentum", 1);
        Assert.True(before.Equal(state.Tensors["state.0.momentum_buffer"]));
    }

    [Fact]
    public void LoadStateDictRejectsAnotherOptimizerOrLayout()
    {
        using var sgd = Make("sgd_momentum");
        using var adam = Make("adam");
        using var groups = Make("sgd_groups");
        StepAndCheck(sgd, "sgd_momentum", 0);
        using var state = sgd.Optimizer.StateDict();
        var e = Assert.Throws<ArgumentException>(() => adam.Optimizer.LoadStateDict(state));
        Assert.Contains("SGD optimizer, not Adam", e.Message);
        e = Assert.Throws<ArgumentException>(() => groups.Optimizer.LoadStateDict(state));
        Assert.Contains("1 parameter groups, this SGD has 2", e.Message);

        using var nesterov = Make("sgd_nesterov");
        e = Assert.Throws<ArgumentException>(() => nesterov.Optimizer.LoadStateDict(state));
        Assert.Contains("nesterov=False", e.Message);

        using var bad = new OptimizerStateDict
        {
            Optimizer = "SGD",
            ParamGroups = [new() { Params = [0, 1, 2, 3], Options = new() { ["lr"] = 0.1 } }],
            Tensors = { ["state.1.momentum_buffer"] = Tensor.Zeros(3, 3) },
        };
        e = Assert.Throws<ArgumentException>(() => sgd.Optimizer.LoadStateDict(bad));
        Assert.Contains("'state.1.momentum_buffer' has shape [3, 3], but parameter 1 has shape [8]", e.Message);
    }

    [Theory]
    [InlineData("sgd_momentum")]
    [InlineData("adam_amsgrad_wd")]
    [InlineData("adamw")]
    public void StepInAPerStepScopeLeavesNothingBehindAndKeepsItsState(string config)
    {
        using var run = Make(config);
        for (var t = 0; t < 3; t++)
        {
            using var scope = DisposeScope.Enter();
            run.Optimizer.ZeroGrad();
            var x = _fx.Tensors["inputs"].Select(0, t);
            var y = _fx.Tensors["targets"].Select(0, t);
            Functional.CrossEntropy(run.Model.Call(x), y).Backward();
            var before = scope.Count;
            run.Optimizer.Step();
            Assert.Equal(before, scope.Count); // the step's temporaries are freed, its state is not the scope's
        }
        using var state = run.Optimizer.StateDict();
        Assert.NotEmpty(state.Tensors);
        using var clipped = GradClipping.ClipGradNorm(run.Model.Parameters(), 1.0);
        run.Optimizer.Step(); // the state made inside the (now disposed) scopes is still alive
        foreach (var (name, param) in run.Model.NamedParameters())
        {
            using var expected = _fx.Tensors[$"{config}.{name}"].Select(0, 2);
            Assert.False(param.Equal(expected), $"{name} moved on");
        }
    }

    [Fact]
    public void ZeroGradClearsOrZeroesGradients()
    {
        using var run = Make("sgd_plain");
        StepAndCheck(run, "sgd_plain", 0);
        var w = run.Model.Parameters().First();
        run.Optimizer.ZeroGrad(setToNone: false);
        using (var g = w.Grad)
        {
            Assert.NotNull(g);
            using var sum = g!.Abs().Sum();
            Assert.Equal(0f, sum.Item<float>());
        }
        run.Optimizer.ZeroGrad();
        Assert.Null(w.Grad);
    }

    [Fact]
    public void ParametersWithoutGradientsAreSkipped()
    {
        using var p = new Parameter(Tensor.FromArray(new float[] { 1, 2 }));
        using var q = new Parameter(Tensor.FromArray(new float[] { 3, 4 }));
        using var opt = new Sgd([p, q], lr: 0.5, momentum: 0.9, weightDecay: 0.1);
        p.Grad = Tensor.FromArray(new float[] { 1, 1 });
        opt.Step();
        // p: d = g + 0.1·p = [1.1, 1.2]; first momentum step: buf = d; p − 0.5·d
        Assert.Equal(new[] { 0.45f, 1.4f }, p.ToArray<float>());
        Assert.Equal(new[] { 3f, 4f }, q.ToArray<float>());
        using var state = opt.StateDict();
        Assert.Equal(new[] { "state.0.momentum_buffer" }, state.Tensors.Keys);
    }

    [Fact]
    public void InvalidSettingsAreRejected()
    {
        using var p = new Parameter(Tensor.Zeros(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd([p], lr: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd([p], lr: 0.1, momentum: -0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd([p], lr: 0.1, weightDecay: -1));
        Assert.Contains("Nesterov", Assert.Throws<ArgumentException>(() => new Sgd([p], lr: 0.1, nesterov: true)).Message);
        Assert.Contains("Nesterov", Assert.Throws<ArgumentException>(() => new Sgd([p], lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam([p], beta1: 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW([p], beta2: -0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam([p], eps: -1e-8));
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => new Adam([p, p])).Message);
        Assert.Contains("more than one parameter group",
            Assert.Throws<ArgumentException>(() => new Adam([new ParamGroup([p]), new ParamGroup([p])])).Message);
        Assert.Contains("empty parameter list", Assert.Throws<ArgumentException>(() => new Adam(Array.Empty<ParamGroup>())).Message);
        using var nonLeaf = p * 2;
        Assert.Contains("non-leaf", Assert.Throws<ArgumentException>(() => new Sgd([nonLeaf], lr: 0.1)).Message);
        using var adam = new Adam([p]);
        Assert.Contains("has no option 'momentum'", Assert.Throws<KeyNotFoundException>(() => adam.ParamGroups[0]["momentum"]).Message);
    }

    [Fact]
    public void AddParamGroupFillsDefaults()
    {
        using var p = new Parameter(Tensor.Zeros(2));
        using var q = new Parameter(Tensor.Zeros(3));
        using var opt = new Adam([p], lr: 0.01, beta1: 0.8, weightDecay: 0.1);
        opt.AddParamGroup(new ParamGroup([q], lr: 0.5));
        var g = opt.ParamGroups[1];
        Assert.Equal(0.5, g.Lr);
        Assert.Equal(0.8, g[Adam.Beta1Key]);
        Assert.Equal(0.999, g[Adam.Beta2Key]);
        Assert.Equal(0.1, g.WeightDecay);
        Assert.Equal(new Tensor[] { p, q }, opt.Parameters);
    }
}
