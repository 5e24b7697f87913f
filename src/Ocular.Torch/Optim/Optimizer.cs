using System.Globalization;

namespace Ocular.Torch.Optim;

/// <summary>
/// The base of the optimizers, as <c>torch.optim.Optimizer</c>: parameter groups with their own
/// hyper-parameters, per-parameter state created lazily at the first step that has a gradient,
/// <see cref="ZeroGrad"/>, <see cref="Step"/>, and a state dict to resume training
/// (<see cref="OptimizerStateDict"/>). An optimizer owns its state tensors: dispose it.
/// </summary>
public abstract class Optimizer : IDisposable
{
    private readonly List<ParamGroup> _groups = [];
    private readonly Dictionary<string, double> _defaults;
    private readonly Dictionary<Tensor, ParameterState> _state = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// Creates the optimizer over <paramref name="groups"/>; every option a group does not set is taken
    /// from <paramref name="defaults"/>.
    /// </summary>
    protected Optimizer(IEnumerable<ParamGroup> groups, IReadOnlyDictionary<string, double> defaults)
    {
        ArgumentNullException.ThrowIfNull(groups);
        _defaults = new Dictionary<string, double>(defaults);
        var list = groups.ToList();
        if (list.Count == 0) throw new ArgumentException("the optimizer got an empty parameter list", nameof(groups));
        foreach (var g in list) AddParamGroup(g);
    }

    /// <summary>The optimizer's type as written into state dicts (<c>SGD</c>, <c>Adam</c>, <c>AdamW</c>).</summary>
    public abstract string Name { get; }

    /// <summary>The construction-time switches (e.g. <c>nesterov</c>, <c>amsgrad</c>, <c>maximize</c>); a state dict must agree with them.</summary>
    public abstract IReadOnlyDictionary<string, bool> Flags { get; }

    /// <summary>The default hyper-parameters (PyTorch's <c>optimizer.defaults</c>).</summary>
    public IReadOnlyDictionary<string, double> Defaults => _defaults;

    /// <summary>The parameter groups, in order (PyTorch's <c>optimizer.param_groups</c>).</summary>
    public IReadOnlyList<ParamGroup> ParamGroups => _groups;

    /// <summary>Every parameter of every group, in index order.</summary>
    public IEnumerable<Tensor> Parameters => _groups.SelectMany(g => g.Parameters);

    /// <summary>
    /// Adds a group (e.g. layers unfrozen during fine-tuning); options it does not set come from
    /// <see cref="Defaults"/>. A parameter may belong to one group only, once.
    /// </summary>
    public void AddParamGroup(ParamGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var p in group.Parameters)
        {
            ArgumentNullException.ThrowIfNull(p, nameof(group));
            if (!p.IsLeaf) throw new ArgumentException($"{Name} can't optimize a non-leaf tensor ({p}): optimize the leaf it is computed from");
            if (!p.DType.IsFloatingPoint()) throw new ArgumentException($"{Name} can only optimize floating-point tensors, got {p}");
            if (!seen.Add(p)) throw new ArgumentException($"a parameter ({p}) appears twice in one parameter group");
            if (_groups.Any(g => g.Parameters.Any(q => ReferenceEquals(q, p))))
                throw new ArgumentException($"a parameter ({p}) appears in more than one parameter group");
        }
        foreach (var (k, v) in _defaults) group.SetDefault(k, v);
        ValidateGroup(group);
        _groups.Add(group);
    }

    /// <summary>Checks a group's hyper-parameters when it joins (throws <see cref="ArgumentOutOfRangeException"/> naming a bad one).</summary>
    protected virtual void ValidateGroup(ParamGroup group)
    {
        if (!(group.Lr >= 0)) throw new ArgumentOutOfRangeException(nameof(group), group.Lr, $"invalid learning rate {group.Lr}: it must be ≥ 0");
        if (group.Has(ParamGroup.WeightDecayKey) && !(group.WeightDecay >= 0))
            throw new ArgumentOutOfRangeException(nameof(group), group.WeightDecay, $"invalid weight decay {group.WeightDecay}: it must be ≥ 0");
    }

    /// <summary>
    /// Clears the gradients of every parameter: sets them to none (the default, as PyTorch 2), or to
    /// zero in place. A parameter without a gradient is skipped by <see cref="Step"/>, one with a zero
    /// gradient is not (weight decay and momentum still act).
    /// </summary>
    public void ZeroGrad(bool setToNone = true)
    {
        foreach (var p in Parameters)
        {
            if (setToNone)
            {
                p.Grad = null;
                continue;
            }
            using var g = p.Grad;
            if (g is null) continue;
            // As torch.optim.Optimizer.zero_grad: cut the gradient from any graph, then zero it.
            if (!g.IsLeaf) g.Detach_();
            else if (g.RequiresGrad) g.RequiresGrad_(false);
            g.Zero_();
        }
    }

    /// <summary>Performs one optimisation step with the gradients in each parameter's <c>Grad</c>.</summary>
    public abstract void Step();

    // ------------------------------------------------------------ state

    /// <summary>The optimizer state of one parameter: tensors (e.g. momentum buffers) and numbers (e.g. a step count).</summary>
    protected internal sealed class ParameterState
    {
        /// <summary>State tensors by name (PyTorch's names, e.g. <c>exp_avg</c>); owned by the optimizer.</summary>
        public Dictionary<string, Tensor> Tensors { get; } = [];

        /// <summary>Scalar state by name (e.g. <c>step</c>).</summary>
        public Dictionary<string, double> Scalars { get; } = [];

        /// <summary>True before the first step that initialised it.</summary>
        public bool IsEmpty => Tensors.Count == 0 && Scalars.Count == 0;

        /// <summary>Adds a state tensor, taking it out of any dispose scope (the optimizer owns it).</summary>
        public Tensor Add(string name, Tensor tensor)
        {
            if (Tensors.TryGetValue(name, out var old) && !ReferenceEquals(old, tensor)) old.Dispose();
            Tensors[name] = DisposeScope.Detach(tensor);
            return tensor;
        }

        internal void Clear()
        {
            foreach (var t in Tensors.Values) t.Dispose();
            Tensors.Clear();
            Scalars.Clear();
        }
    }

    /// <summary>The state of <paramref name="parameter"/>, created empty on first use.</summary>
    protected ParameterState StateOf(Tensor parameter)
    {
        if (!_state.TryGetValue(parameter, out var state)) _state[parameter] = state = new ParameterState();
        return state;
    }

    /// <summary>
    /// A snapshot of the optimizer state (the tensors are copies, so later steps do not change it):
    /// see <see cref="OptimizerStateDict"/> for the format. Dispose it when done.
    /// </summary>
    public OptimizerStateDict StateDict()
    {
        var result = new OptimizerStateDict { Optimizer = Name, Flags = Flags.ToDictionary(kv => kv.Key, kv => kv.Value) };
        var index = 0;
        using (Autograd.NoGrad())
        {
            foreach (var group in _groups)
            {
                var saved = new OptimizerStateDict.ParamGroupState { Options = new Dictionary<string, double>(group.Options) };
                foreach (var p in group.Parameters)
                {
                    saved.Params.Add(index);
                    if (_state.TryGetValue(p, out var state) && !state.IsEmpty)
                    {
                        if (state.Scalars.Count > 0) result.State[index] = new Dictionary<string, double>(state.Scalars);
                        foreach (var (name, t) in state.Tensors)
                            result.Tensors[TensorKey(index, name)] = DisposeScope.Detach(t.Clone());
                    }
                    index++;
                }
                result.ParamGroups.Add(saved);
            }
        }
        return result;
    }

    private static string TensorKey(int index, string name) =>
        OptimizerStateDict.StatePrefix + index.ToString(CultureInfo.InvariantCulture) + "." + name;

    /// <summary>
    /// Restores a state saved by <see cref="StateDict"/> from an optimizer of the same type, flags and
    /// group sizes: every group's hyper-parameters are replaced by the saved ones (as PyTorch), and the
    /// per-parameter state is copied in (converted to each parameter's type and device). The
    /// <paramref name="stateDict"/> stays owned by the caller.
    /// </summary>
    public void LoadStateDict(OptimizerStateDict stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        if (stateDict.Optimizer != Name)
            throw new ArgumentException($"the state dict is of a {stateDict.Optimizer} optimizer, not {Name}");
        foreach (var (flag, value) in Flags)
            if (stateDict.Flags.TryGetValue(flag, out var saved) && saved != value)
                throw new ArgumentException($"the state dict was saved with {flag}={saved}, but this {Name} has {flag}={value}");
        if (stateDict.ParamGroups.Count != _groups.Count)
            throw new ArgumentException($"the state dict has {stateDict.ParamGroups.Count} parameter groups, this {Name} has {_groups.Count}");
        var byIndex = new Dictionary<int, Tensor>();
        for (var g = 0; g < _groups.Count; g++)
        {
            var saved = stateDict.ParamGroups[g];
            var group = _groups[g];
            if (saved.Params.Count != group.Parameters.Count)
                throw new ArgumentException($"parameter group {g} of the state dict has {saved.Params.Count} parameters, this {Name}'s has {group.Parameters.Count}");
            for (var i = 0; i < saved.Params.Count; i++) byIndex[saved.Params[i]] = group.Parameters[i];
        }

        // Parse and check everything before changing anything.
        var tensors = new List<(Tensor Parameter, string Name, Tensor Value)>();
        foreach (var (key, value) in stateDict.Tensors)
        {
            var rest = key.StartsWith(OptimizerStateDict.StatePrefix, StringComparison.Ordinal) ? key[OptimizerStateDict.StatePrefix.Length..] : "";
            var dot = rest.IndexOf('.');
            if (dot <= 0 || !int.TryParse(rest[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                throw new ArgumentException($"optimizer state tensor '{key}' is not named state.{{index}}.{{name}}");
            if (!byIndex.TryGetValue(index, out var p))
                throw new ArgumentException($"optimizer state tensor '{key}' refers to parameter {index}, but the groups have only {byIndex.Count} parameters");
            if (!value.Shape.SequenceEqual(p.Shape))
                throw new ArgumentException($"optimizer state tensor '{key}' has shape {Tensor.ShapeString(value.Shape)}, but parameter {index} has shape {Tensor.ShapeString(p.Shape)}");
            tensors.Add((p, rest[(dot + 1)..], value));
        }
        foreach (var index in stateDict.State.Keys)
            if (!byIndex.ContainsKey(index))
                throw new ArgumentException($"the optimizer state refers to parameter {index}, but the groups have only {byIndex.Count} parameters");

        for (var g = 0; g < _groups.Count; g++) _groups[g].ReplaceOptions(stateDict.ParamGroups[g].Options);
        foreach (var state in _state.Values) state.Clear();
        _state.Clear();
        using (Autograd.NoGrad())
        {
            foreach (var (p, name, value) in tensors)
            {
                // As torch.optim: floating state takes the parameter's type; everything its device.
                var dtype = value.DType.IsFloatingPoint() ? p.DType : value.DType;
                StateOf(p).Add(name, value.To(dtype, p.Device, copy: true));
            }
        }
        foreach (var (index, scalars) in stateDict.State)
            foreach (var (name, v) in scalars) StateOf(byIndex[index]).Scalars[name] = v;
    }

    /// <summary>Frees the state tensors.</summary>
    public void Dispose()
    {
        foreach (var state in _state.Values) state.Clear();
        _state.Clear();
        GC.SuppressFinalize(this);
    }
}
