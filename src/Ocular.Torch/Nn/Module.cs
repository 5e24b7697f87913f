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

    /// <summary>Called after <see cref="Forward"/> with (module, input, output); a non-null result replaces the output.</summary>
    public delegate Tensor? ForwardHook(Module module, Tensor input, Tensor output);

    /// <summary>Called before <see cref="Forward"/> with (module, input); a non-null result replaces the input.</summary>
    public delegate Tensor? ForwardPreHook(Module module, Tensor input);

    /// <summary>True in training mode (batch norm uses batch statistics, dropout is active).</summary>
    public bool Training { get; private set; } = true;

    /// <summary>The computation; call the module through <see cref="Call"/> so that hooks run.</summary>
    public abstract Tensor Forward(Tensor input);

    /// <summary>Runs the forward pre-hooks, <see cref="Forward"/>, then the forward hooks.</summary>
    public Tensor Call(Tensor input)
    {
        if (_forwardPreHooks.Count == 0 && _forwardHooks.Count == 0) return Forward(input);
        foreach (var hook in _forwardPreHooks.ToArray())
            input = hook(this, input) ?? input;
        var output = Forward(input);
        foreach (var hook in _forwardHooks.ToArray())
            output = hook(this, input, output) ?? output;
        return output;
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

    /// <summary>This module ("") and every descendant, with dotted paths, depth first in registration order.</summary>
    public IEnumerable<(string Path, Module Module)> NamedModules(string prefix = "")
    {
        yield return (prefix, this);
        foreach (var (name, child) in _children.Items)
            foreach (var item in child.NamedModules(prefix.Length == 0 ? name : prefix + "." + name))
                yield return item;
    }

    /// <summary>Every parameter with its dotted path (e.g. <c>layer1.0.conv1.weight</c>).</summary>
    public IEnumerable<(string Path, Parameter Parameter)> NamedParameters(bool recurse = true)
    {
        foreach (var (prefix, module) in recurse ? NamedModules() : [("", this)])
            foreach (var (name, p) in module._parameters.Items)
                if (p is not null) yield return (Join(prefix, name), p);
    }

    /// <summary>Every parameter.</summary>
    public IEnumerable<Parameter> Parameters(bool recurse = true) => NamedParameters(recurse).Select(p => p.Parameter);

    /// <summary>Every buffer with its dotted path (e.g. <c>bn1.running_mean</c>).</summary>
    public IEnumerable<(string Path, Tensor Buffer)> NamedBuffers(bool recurse = true)
    {
        foreach (var (prefix, module) in recurse ? NamedModules() : [("", this)])
            foreach (var (name, b) in module._buffers.Items)
                if (b is not null) yield return (Join(prefix, name), b);
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

    /// <summary>Moves every parameter and buffer to <paramref name="device"/> in place.</summary>
    public Module To(Device device) => Apply(t => t.To(device));

    /// <summary>Converts every floating parameter and buffer to <paramref name="dtype"/> in place.</summary>
    public Module To(ScalarType dtype) => Apply(t => t.DType.IsFloatingPoint() ? t.To(dtype) : t.Alias());

    private Module Apply(Func<Tensor, Tensor> convert)
    {
        using (Autograd.NoGrad())
        {
            foreach (var p in Parameters())
            {
                var requires = p.RequiresGrad;
                using var converted = convert(p);
                p.ReplaceWith(converted.Detach());
                if (requires) p.RequiresGrad_();
            }
            foreach (var (_, b) in NamedBuffers()) b.ReplaceWith(convert(b));
        }
        return this;
    }

    // ------------------------------------------------------------ state dicts

    /// <summary>
    /// Parameters and persistent buffers by PyTorch key (detached handles sharing storage; dispose
    /// them, or the returned dictionary's values, when done).
    /// </summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var result = new Dictionary<string, Tensor>();
        foreach (var (prefix, module) in NamedModules())
        {
            foreach (var (name, p) in module._parameters.Items)
                if (p is not null) result[Join(prefix, name)] = DisposeScope.Detach(p.Detach());
            foreach (var (name, b) in module._buffers.Items)
                if (b is not null && !module._nonPersistent.Contains(name)) result[Join(prefix, name)] = DisposeScope.Detach(b.Detach());
        }
        return result;
    }

    /// <summary>
    /// Copies matching tensors into the parameters and buffers. With <paramref name="strict"/>, any
    /// missing, unexpected or wrongly shaped key is an error listing every mismatch; otherwise the
    /// mismatches are reported and the matching keys are loaded.
    /// </summary>
    public StateDictReport LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict, bool strict = true)
    {
        var own = new Dictionary<string, Tensor>();
        foreach (var (prefix, module) in NamedModules())
        {
            foreach (var (name, p) in module._parameters.Items)
                if (p is not null) own[Join(prefix, name)] = p;
            foreach (var (name, b) in module._buffers.Items)
                if (b is not null && !module._nonPersistent.Contains(name)) own[Join(prefix, name)] = b;
        }
        var missing = own.Keys.Where(k => !stateDict.ContainsKey(k)).ToList();
        var unexpected = stateDict.Keys.Where(k => !own.ContainsKey(k)).ToList();
        var wrongShape = new List<StateDictReport.ShapeMismatch>();
        foreach (var (key, target) in own)
        {
            if (!stateDict.TryGetValue(key, out var source)) continue;
            if (!source.Shape.SequenceEqual(target.Shape)) wrongShape.Add(new(key, target.Shape, source.Shape));
        }
        var report = new StateDictReport(missing, unexpected, wrongShape);
        if (strict && !report.IsExactMatch) throw new StateDictMismatchException(GetType().Name, report);

        using (Autograd.NoGrad())
        {
            foreach (var (key, target) in own)
            {
                if (!stateDict.TryGetValue(key, out var source) || !source.Shape.SequenceEqual(target.Shape)) continue;
                target.Copy_(source);
            }
        }
        return report;
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
