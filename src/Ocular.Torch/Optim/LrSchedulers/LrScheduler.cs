using System.Text.Json.Nodes;

namespace Ocular.Torch.Optim.LrSchedulers;

/// <summary>
/// The base of the epoch-indexed schedulers, as PyTorch 1.13's <c>_LRScheduler</c>: the constructor
/// records each group's <c>initial_lr</c> (the base rates) and performs an initial step that sets
/// <see cref="LastEpoch"/> to 0; each <see cref="Step"/> increments it and writes the rates from the
/// chainable formula (<see cref="ComputeLr"/>) into the groups. Call <see cref="Step"/> after
/// <see cref="Optimizer.Step"/>.
/// </summary>
public abstract class LrScheduler : ILrScheduler
{
    private double[] _lastLr = [];
    private double[] _baseLrs = [];

    /// <summary>
    /// Binds the scheduler to <paramref name="optimizer"/>. A subclass sets its fields and then calls
    /// <see cref="Initialize"/> at the end of its constructor (where PyTorch calls <c>super().__init__</c>).
    /// </summary>
    /// <param name="optimizer">The optimizer whose learning rates are scheduled.</param>
    /// <param name="lastEpoch">−1 to start; otherwise the index of the last epoch of a resumed run (the groups must then have <c>initial_lr</c>).</param>
    protected LrScheduler(Optimizer optimizer, int lastEpoch)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (lastEpoch < -1) throw new ArgumentOutOfRangeException(nameof(lastEpoch), lastEpoch, "last epoch must be ≥ −1");
        Optimizer = optimizer;
        LastEpoch = lastEpoch;
    }

    /// <inheritdoc/>
    public Optimizer Optimizer { get; }

    /// <summary>The index of the last step (0 after construction).</summary>
    public int LastEpoch { get; private set; }

    /// <summary>The number of <see cref="Step"/> calls including the constructor's (PyTorch's <c>_step_count</c>).</summary>
    public int StepCount { get; private set; }

    /// <summary>Each group's <c>initial_lr</c>.</summary>
    public IReadOnlyList<double> BaseLrs => _baseLrs;

    /// <summary>Records the base rates and performs the initial step (PyTorch's <c>_LRScheduler.__init__</c>).</summary>
    protected void Initialize()
    {
        var groups = Optimizer.ParamGroups;
        if (LastEpoch == -1)
        {
            foreach (var g in groups) g.SetDefault(ParamGroup.InitialLrKey, g.Lr);
        }
        else
        {
            for (var i = 0; i < groups.Count; i++)
                if (!groups[i].Has(ParamGroup.InitialLrKey))
                    throw new ArgumentException($"param 'initial_lr' is not specified in param_groups[{i}] when resuming an optimizer (last epoch {LastEpoch})");
        }
        _baseLrs = groups.Select(g => g[ParamGroup.InitialLrKey]).ToArray();
        StepCount = 0;
        Step();
    }

    /// <summary>Advances one epoch (or batch) and sets each group's learning rate.</summary>
    public void Step()
    {
        StepCount++;
        LastEpoch++;
        var values = ComputeLr();
        var groups = Optimizer.ParamGroups;
        for (var i = 0; i < groups.Count && i < values.Count; i++) groups[i].Lr = values[i];
        _lastLr = groups.Select(g => g.Lr).ToArray();
    }

    /// <summary>The learning rate of each group at <see cref="LastEpoch"/> (PyTorch's chainable <c>get_lr</c>, which may read the groups' current rates).</summary>
    protected abstract IReadOnlyList<double> ComputeLr();

    /// <summary>The current learning rate of each group.</summary>
    protected double[] CurrentLrs() => Optimizer.ParamGroups.Select(g => g.Lr).ToArray();

    /// <inheritdoc/>
    public IReadOnlyList<double> GetLastLr() => _lastLr;

    /// <inheritdoc/>
    public virtual JsonObject StateDict() => new()
    {
        ["type"] = GetType().Name,
        ["last_epoch"] = LastEpoch,
        ["step_count"] = StepCount,
        ["base_lrs"] = ToJsonArray(_baseLrs),
        ["last_lr"] = ToJsonArray(_lastLr),
    };

    /// <inheritdoc/>
    public virtual void LoadStateDict(JsonObject state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var type = SchedulerState.Get<string>(state, "type");
        if (type != GetType().Name) throw new ArgumentException($"the scheduler state is of a {type}, not {GetType().Name}");
        var baseLrs = SchedulerState.Doubles(state, "base_lrs");
        var lastLr = SchedulerState.Doubles(state, "last_lr");
        if (baseLrs.Length != Optimizer.ParamGroups.Count)
            throw new ArgumentException($"the scheduler state has {baseLrs.Length} base learning rates, the optimizer has {Optimizer.ParamGroups.Count} groups");
        LastEpoch = SchedulerState.Get<int>(state, "last_epoch");
        StepCount = SchedulerState.Get<int>(state, "step_count");
        _baseLrs = baseLrs;
        _lastLr = lastLr;
    }

    internal static JsonArray ToJsonArray(IEnumerable<double> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
}

/// <summary>Reading scheduler state objects with errors that name the missing or malformed entry.</summary>
internal static class SchedulerState
{
    public static T Get<T>(JsonObject state, string key)
    {
        if (!state.TryGetPropertyValue(key, out var node) || node is null)
            throw new ArgumentException($"the scheduler state has no '{key}' entry");
        try
        {
            return node.GetValue<T>();
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new ArgumentException($"the scheduler state's '{key}' entry is not a {typeof(T).Name}: {node.ToJsonString()}", e);
        }
    }

    public static double[] Doubles(JsonObject state, string key)
    {
        if (!state.TryGetPropertyValue(key, out var node) || node is not JsonArray array)
            throw new ArgumentException($"the scheduler state has no '{key}' array");
        try
        {
            return array.Select(n => n!.GetValue<double>()).ToArray();
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException)
        {
            throw new ArgumentException($"the scheduler state's '{key}' entry is not an array of numbers: {array.ToJsonString()}", e);
        }
    }
}
