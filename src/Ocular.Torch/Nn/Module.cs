namespace Ocular.Torch.Nn;

/// <summary>
/// The base of every network layer and model, as <c>torch.nn.Module</c>: named parameters, buffers
/// and children in registration order, train/eval mode, state dicts with PyTorch's key names, and
/// forward hooks (which layer capture uses). A module owns its parameters and buffers; dispose it to
/// free them.
/// </summary>
public abstract class Module : IDisposable
{
    private readonly OrderedRegistry<Parameter?> _parameters = new();
    private readonly OrderedRegistry<Tensor?> _buffers = new();
    private readonly HashSet<string> _nonPersistent = [];
    private readonly OrderedRegistry<Module> _children = new();
    private readonly List<ForwardHook> _forwardHooks = [];
    private readonly List<ForwardPreHook> _forwardPreHooks = [];

    /// <summary>
    /// Called after <see cref="Forward"/> with (module, input, output); a non-null result replaces the
    /// output (the replaced one is disposed). The tensors are valid during the call only: the module's
    /// container may dispose them afterwards, so a hook that keeps one keeps an <c>Alias()</c>.
    /// </summary>
    public delegate Tensor? ForwardHook(Module module, Tensor input, Tensor output);

    /// <summary>Called before <see cref="Forward"/> with (module, input); a non-null result replaces the input (and is disposed after the forward pass).</summary>
    public delegate Tensor? ForwardPreHook(Module module, Tensor input);

    /// <summary>True in training mode (batch norm uses batch statistics, dropout is active).</summary>
    public bool Training { get; private set; } = true;

    /// <summary>The computation; call the module through <see cref="Call"/> so that hooks run.</summary>
    public abstract Tensor Forward(Tensor input);

    /// <summary>
    /// Runs the forward pre-hooks, <see cref="Forward"/>, then the forward hooks. An input a pre-hook
    /// substitutes and an output a hook replaces are disposed once they are no longer needed (the
    /// caller's input never is): a hook that keeps a tensor for later keeps an <c>Alias()</c> of it.
    /// </summary>
    public Tensor Call(Tensor input)
    {
        if (_forwardPreHooks.Count == 0 && _forwardHooks.Count == 0) return Forward(input);
        var x = input;
        try
        {
            foreach (var hook in _forwardPreHooks.ToArray())
            {
                var replaced = hook(this, x);
                if (replaced is null || ReferenceEquals(replaced, x)) continue;
                if (!ReferenceEquals(x, input)) x.Dispose();
                x = replaced;
            }
            var output = Forward(x);
            foreach (var hook in _forwardHooks.ToArray())
            {
                var replaced = hook(this, x, output);
                if (replaced is null || ReferenceEquals(replaced, output)) continue;
                // The output a caller gets is always a tensor object of its own (never the input object).
                if (ReferenceEquals(replaced, input) || ReferenceEquals(replaced, x)) replaced = replaced.Alias();
                output.Dispose();
                output = replaced;
            }
            return output;
        }
        finally
        {
            if (!ReferenceEquals(x, input)) x.Dispose();
        }
    }

    /// <summary>Registers a forward hook; dispose the result to remove it.</summary>
    public IDisposable RegisterForwardHook(ForwardHook hook)
    {
        _forwardHooks.Add(hook);
        return new Removal(() => _forwardHooks.Remove(hook));
    }

    /// <summary>Registers a forward pre-hook; dispose the result to remove it.</summary>
    public IDisposable RegisterForwardPreHook(ForwardPreHook hook)
    {
        _forwardPreHooks.Add(hook);
        return new Removal(() => _forwardPreHooks.Remove(hook));
    }

    private sealed class Removal(Action remove) : IDisposable
    {
        private Action? _remove = remove;

        public void Dispose()
        {
            _remove?.Invoke();
            _remove = null;
        }
    }

    // ------------------------------------------------------------ registration

    /// <summary>Registers (or replaces, disposing the old one) a parameter; null registers an absent one (e.g. no bias).</summary>
    protected Parameter? RegisterParameter(string name, Parameter? parameter)
    {
        CheckName(name, _buffers.Contains(name) || _children.Contains(name));
        if (_parameters.TryGet(name, out var old) && old is not null && !ReferenceEquals(old, parameter)) old.Dispose();
        _parameters.Set(name, parameter);
        return parameter;
    }

    /// <summary>Registers (or replaces) a buffer: state that is not learned (e.g. running statistics). Non-persistent buffers stay out of the state dict.</summary>
    protected Tensor? RegisterBuffer(string name, Tensor? buffer, bool persistent = true)
    {
        CheckName(name, _parameters.Contains(name) || _children.Contains(name));
        if (_buffers.TryGet(name, out var old) && old is not null && !ReferenceEquals(old, buffer)) old.Dispose();
        if (buffer is not null) DisposeScope.Detach(buffer);
        _buffers.Set(name, buffer);
        if (persistent) _nonPersistent.Remove(name);
        else _nonPersistent.Add(name);
        return buffer;
    }

    /// <summary>Registers (or replaces) a child module under <paramref name="name"/>.</summary>
    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        CheckName(name, _parameters.Contains(name) || _buffers.Contains(name));
        _children.Set(name, module);
        return module;
    }

    private static void CheckName(string name, bool taken)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
            throw new ArgumentException($"invalid name '{name}': names are non-empty and contain no '.'", nameof(name));
        if (taken) throw new ArgumentException($"'{name}' is already registered as another kind of member", nameof(name));
    }

    /// <summary>The parameter registered as <paramref name="name"/> on this module (null when absent).</summary>
    protected Parameter? GetParameter(string name) =>
        _parameters.TryGet(name, out var p) ? p : throw new KeyNotFoundException($"{GetType().Name} has no parameter '{name}'");

    /// <summary>The buffer registered as <paramref name="name"/> on this module (null when absent).</summary>
    protected Tensor? GetBuffer(string name) =>
        _buffers.TryGet(name, out var b) ? b : throw new KeyNotFoundException($"{GetType().Name} has no buffer '{name}'");

    // ------------------------------------------------------------ traversal

    /// <summary>Direct children with their names.</summary>
    public IEnumerable<(string Name, Module Module)> NamedChildren() => _children.Items;

    /// <summary>
    /// This module ("") and every descendant, with dotted paths, depth first in registration order. A
    /// module registered in several places is listed once, under its first path (as PyTorch's
    /// <c>named_modules</c>).
    /// </summary>
    public IEnumerable<(string Path, Module Module)> NamedModules(string prefix = "")
    {
        var seen = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        foreach (var item in AllModules(prefix))
            if (seen.Add(item.Module)) yield return item;
    }

    /// <summary>Every module under every path it is registered at (state dicts list shared modules under each path, as PyTorch).</summary>
    private IEnumerable<(string Path, Module Module)> AllModules(string prefix = "")
    {
        yield return (prefix, this);
        foreach (var (name, child) in _children.Items)
            foreach (var item in child.AllModules(prefix.Length == 0 ? name : prefix + "." + name))
                yield return item;
    }

    /// <summary>
    /// Every parameter with its dotted path (e.g. <c>layer1.0.conv1.weight</c>); a shared parameter is
    /// listed once, under its first path (as PyTorch's <c>named_parameters</c>).
    /// </summary>
    public IEnumerable<(string Path, Parameter Parameter)> NamedParameters(bool recurse = true)
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, module) in recurse ? NamedModules() : [("", this)])
            foreach (var (name, p) in module._parameters.Items)
                if (p is not null && seen.Add(p)) yield return (Join(prefix, name), p);
    }

    /// <summary>Every parameter, each once (what an optimizer takes).</summary>
    public IEnumerable<Parameter> Parameters(bool recurse = true) => NamedParameters(recurse).Select(p => p.Parameter);

    /// <summary>Every buffer with its dotted path (e.g. <c>bn1.running_mean</c>); a shared buffer is listed once.</summary>
    public IEnumerable<(string Path, Tensor Buffer)> NamedBuffers(bool recurse = true)
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, module) in recurse ? NamedModules() : [("", this)])
            foreach (var (name, b) in module._buffers.Items)
                if (b is not null && seen.Add(b)) yield return (Join(prefix, name), b);
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    /// <summary>
    /// The descendant at a dotted torchvision path (<c>layer4</c>, <c>layer4.2.conv3</c>, <c>features.29</c>);
    /// an unknown path is an error that lists the valid ones.
    /// </summary>
    public Module GetSubmodule(string path)
    {
        if (path.Length == 0) return this;
        Module current = this;
        foreach (var part in path.Split('.'))
        {
            if (!current._children.TryGet(part, out var next))
            {
                var valid = NamedModules().Select(m => m.Path).Where(p => p.Length > 0).ToList();
                throw new UnknownLayerException(path, GetType().Name, valid);
            }
            current = next;
        }
        return current;
    }

    // ------------------------------------------------------------ modes

    /// <summary>Sets training mode on this module and every descendant.</summary>
    public Module Train(bool training = true)
    {
        foreach (var (_, m) in NamedModules()) m.Training = training;
        return this;
    }

    /// <summary>Sets evaluation mode on this module and every descendant.</summary>
    public Module Eval() => Train(false);

    /// <summary>Turns gradient recording of every parameter on or off (freezing).</summary>
    public Module RequiresGrad_(bool requiresGrad = true)
    {
        foreach (var p in Parameters()) p.RequiresGrad_(requiresGrad);
        return this;
    }

    /// <summary>Clears the gradients of every parameter (sets them to none, as PyTorch's default).</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.Grad = null;
    }

    /// <summary>Moves every parameter (with its gradient) and buffer to <paramref name="device"/> in place.</summary>
    public Module To(Device device) => Apply(null, device);

    /// <summary>
    /// Converts every floating parameter (with its gradient) and floating buffer to
    /// <paramref name="dtype"/> in place; integer buffers (e.g. <c>num_batches_tracked</c>) keep their type.
    /// The parameter objects stay the same, so optimizers built before still hold them.
    /// </summary>
    public Module To(ScalarType dtype) => Apply(dtype, null);

    /// <summary>
    /// Stores every 4-D parameter (with its gradient) and 4-D buffer channels-last in place, as PyTorch's
    /// <c>model.to(memory_format=torch.channels_last)</c>: convolution weights [O, I, kh, kw] laid out as [O, kh, kw, I].
    /// The values are unchanged; with channels-last inputs (<see cref="Tensor.ToChannelsLast"/>) oneDNN then reads the
    /// weights without reordering them at every call, which matters most in bfloat16. Checkpoints, state dicts and
    /// weight hashes do not depend on the layout (they are written in PyTorch's row-major order), and the parameter
    /// objects stay the same, so optimisers built before still hold them.
    /// </summary>
    public Module ToChannelsLast() => Apply(t =>
    {
        if (t.Dim != 4) return null;
        var converted = t.ToChannelsLast();
        if (!converted.Strides.SequenceEqual(t.Strides)) return converted;
        converted.Dispose();   // laid out already: the parameter keeps its tensor (and whatever holds it, e.g. c10d's reducer)
        return null;
    });

    private Module Apply(ScalarType? dtype, Device? device) => Apply(t =>
    {
        var type = dtype is { } d && t.DType.IsFloatingPoint() ? d : t.DType;
        var dev = device ?? t.Device;
        return type == t.DType && dev == t.Device ? null : t.To(type, dev);
    });

    /// <summary>Replaces every parameter (keeping its object, its requires-grad flag and a converted gradient) and buffer by <paramref name="convert"/>'s result, where it gives one.</summary>
    private Module Apply(Func<Tensor, Tensor?> convert)
    {
        using (Autograd.NoGrad())
        {
            foreach (var p in Parameters())
            {
                using var converted = convert(p);
                if (converted is null) continue;
                var requires = p.RequiresGrad;
                using var grad = p.Grad;
                p.ReplaceWith(DisposeScope.Detach(converted.Detach()));
                if (requires) p.RequiresGrad_();
                if (grad is not null)
                {
                    using var convertedGrad = convert(grad) ?? grad.Alias();
                    p.Grad = convertedGrad;
                }
            }
            foreach (var (_, b) in NamedBuffers())
                if (convert(b) is { } converted) b.ReplaceWith(DisposeScope.Detach(converted));
        }
        return this;
    }

    // ------------------------------------------------------------ state dicts

    /// <summary>Every parameter and persistent buffer as (state-dict key, owning module, local name, tensor), in PyTorch's order.</summary>
    private IEnumerable<(string Key, Module Module, string Name, Tensor Tensor)> StateEntries()
    {
        foreach (var (prefix, module) in AllModules())
        {
            foreach (var (name, p) in module._parameters.Items)
                if (p is not null) yield return (Join(prefix, name), module, name, p);
            foreach (var (name, b) in module._buffers.Items)
                if (b is not null && !module._nonPersistent.Contains(name)) yield return (Join(prefix, name), module, name, b);
        }
    }

    /// <summary>
    /// Parameters and persistent buffers by PyTorch key, in PyTorch's order (a module's own parameters,
    /// then its buffers, then its children's; a shared module under each of its paths). The values are
    /// detached handles sharing storage with the module: dispose them when done.
    /// </summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var result = new Dictionary<string, Tensor>();
        foreach (var (key, _, _, tensor) in StateEntries()) result[key] = DisposeScope.Detach(tensor.Detach());
        return result;
    }

    /// <summary>
    /// The value a state-dict entry of this module's own parameter or buffer <paramref name="name"/>
    /// takes when a state dict lacks it, or null when it is required (PyTorch's per-module
    /// <c>_load_from_state_dict</c> hook; batch norm defaults <c>num_batches_tracked</c> to 0, as PyTorch
    /// does for checkpoints without version metadata).
    /// </summary>
    protected virtual Tensor? DefaultStateDictEntry(string name) => null;

    /// <summary>
    /// Copies matching tensors into the parameters and buffers (converting their type). With
    /// <paramref name="strict"/>, any missing, unexpected or wrongly shaped key is an error listing every
    /// mismatch and nothing is loaded; otherwise the mismatches are reported and the matching keys are
    /// loaded. As PyTorch, a one-element 1-D tensor loads into a 0-D entry.
    /// </summary>
    public StateDictReport LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var own = StateEntries().ToList();
        var ownKeys = own.Select(e => e.Key).ToHashSet();
        var missing = new List<string>();
        var defaults = new List<(Tensor Target, Tensor Value)>();
        var wrongShape = new List<StateDictReport.ShapeMismatch>();
        var loads = new List<(Tensor Target, Tensor Source)>();
        try
        {
            foreach (var (key, module, name, target) in own)
            {
                if (!stateDict.TryGetValue(key, out var source))
                {
                    if (module.DefaultStateDictEntry(name) is { } value) defaults.Add((target, value));
                    else missing.Add(key);
                }
                else if (source.Shape.SequenceEqual(target.Shape) || (target.Dim == 0 && source.Shape is [1]))
                    loads.Add((target, source));
                else
                    wrongShape.Add(new(key, target.Shape, source.Shape));
            }
            var unexpected = stateDict.Keys.Where(k => !ownKeys.Contains(k)).ToList();
            var report = new StateDictReport(missing, unexpected, wrongShape);
            if (strict && !report.IsExactMatch) throw new StateDictMismatchException(GetType().Name, report);

            using (Autograd.NoGrad())
            {
                foreach (var (target, source) in loads)
                {
                    if (target.Dim == 0 && source.Dim == 1)
                    {
                        using var element = source.Reshape();
                        target.Copy_(element);
                    }
                    else target.Copy_(source);
                }
                foreach (var (target, value) in defaults) target.Copy_(value);
            }
            return report;
        }
        finally
        {
            foreach (var (_, value) in defaults) value.Dispose();
        }
    }

    // ------------------------------------------------------------ disposal

    /// <summary>Frees every parameter and buffer of this module and its descendants.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees this module's tensors and its children (override to free more).</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (!disposing) return;
        foreach (var (_, p) in _parameters.Items) p?.Dispose();
        foreach (var (_, b) in _buffers.Items) b?.Dispose();
        foreach (var (_, c) in _children.Items) c.Dispose();
    }

    /// <summary>The module's type and children, one per line, like PyTorch's <c>print(model)</c>.</summary>
    public override string ToString()
    {
        var sb = new System.Text.StringBuilder();
        Describe(sb, "");
        return sb.ToString();
    }

    /// <summary>A one-line description of this module's own settings (e.g. <c>3, 64, kernel_size=(7, 7)</c>).</summary>
    protected virtual string ExtraRepr() => "";

    private void Describe(System.Text.StringBuilder sb, string indent)
    {
        sb.Append(GetType().Name).Append('(').Append(ExtraRepr());
        if (_children.Count > 0)
        {
            sb.AppendLine();
            foreach (var (name, child) in _children.Items)
            {
                sb.Append(indent).Append("  (").Append(name).Append("): ");
                child.Describe(sb, indent + "  ");
                sb.AppendLine();
            }
            sb.Append(indent);
        }
        sb.Append(')');
    }
}
