namespace Ocular.Torch.Optim;

/// <summary>
/// A group of parameters optimised with the same hyper-parameters, as an entry of PyTorch's
/// <c>optimizer.param_groups</c>. The hyper-parameters are numbers under PyTorch's names
/// (<c>lr</c>, <c>weight_decay</c>, <c>momentum</c>, <c>dampening</c>, <c>beta1</c>, <c>beta2</c>,
/// <c>eps</c>; PyTorch's <c>betas</c> pair is stored as <c>beta1</c> and <c>beta2</c>). An option the
/// group does not set is filled from the optimizer's defaults when the group joins the optimizer.
/// Learning-rate schedulers read and write <see cref="Lr"/> and add their own entries
/// (<c>initial_lr</c>, and for one-cycle <c>max_lr</c>, <c>min_lr</c>, <c>max_momentum</c>,
/// <c>base_momentum</c>), which are saved with the optimizer's state dict as in PyTorch.
/// </summary>
public sealed class ParamGroup
{
    /// <summary>The name of the learning rate.</summary>
    public const string LrKey = "lr";
    /// <summary>The name of the weight decay.</summary>
    public const string WeightDecayKey = "weight_decay";
    /// <summary>The name of the learning rate a scheduler started from.</summary>
    public const string InitialLrKey = "initial_lr";

    private readonly Dictionary<string, double> _options;

    /// <summary>
    /// A group of <paramref name="parameters"/>; <paramref name="lr"/> and <paramref name="weightDecay"/>
    /// (and any entry of <paramref name="options"/>) override the optimizer's defaults for this group.
    /// </summary>
    public ParamGroup(IEnumerable<Tensor> parameters, double? lr = null, double? weightDecay = null, IReadOnlyDictionary<string, double>? options = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = parameters.ToList();
        _options = options is null ? [] : new Dictionary<string, double>(options);
        if (lr is { } l) _options[LrKey] = l;
        if (weightDecay is { } w) _options[WeightDecayKey] = w;
    }

    /// <summary>The parameters, in order (their positions define the indices of the optimizer's state dict).</summary>
    public IReadOnlyList<Tensor> Parameters { get; }

    /// <summary>Every hyper-parameter of the group by name.</summary>
    public IReadOnlyDictionary<string, double> Options => _options;

    /// <summary>The hyper-parameter <paramref name="name"/>; reading an absent one is an error naming the ones present.</summary>
    public double this[string name]
    {
        get => _options.TryGetValue(name, out var v)
            ? v
            : throw new KeyNotFoundException($"the parameter group has no option '{name}'; it has: {string.Join(", ", _options.Keys)}");
        set => _options[name] = value;
    }

    /// <summary>True when the group has the hyper-parameter <paramref name="name"/>.</summary>
    public bool Has(string name) => _options.ContainsKey(name);

    /// <summary>The learning rate (option <c>lr</c>).</summary>
    public double Lr
    {
        get => this[LrKey];
        set => this[LrKey] = value;
    }

    /// <summary>The weight decay (option <c>weight_decay</c>).</summary>
    public double WeightDecay
    {
        get => this[WeightDecayKey];
        set => this[WeightDecayKey] = value;
    }

    /// <summary>Sets <paramref name="name"/> to <paramref name="value"/> unless the group already has it (Python's <c>setdefault</c>).</summary>
    internal void SetDefault(string name, double value) => _options.TryAdd(name, value);

    /// <summary>Replaces every option (used when a state dict is loaded).</summary>
    internal void ReplaceOptions(IReadOnlyDictionary<string, double> options)
    {
        _options.Clear();
        foreach (var (k, v) in options) _options[k] = v;
    }
}
