namespace Ocular.Torch.Nn;

/// <summary>Runs its children in order; children are named "0", "1", … as in PyTorch.</summary>
public sealed class Sequential : Module
{
    private readonly List<Module> _layers = [];

    /// <summary>Creates the container from modules in order.</summary>
    public Sequential(params Module[] layers)
    {
        foreach (var layer in layers) Append(layer);
    }

    /// <summary>Creates the container from named modules (e.g. torchvision's named sub-networks).</summary>
    public Sequential(IEnumerable<(string Name, Module Module)> layers)
    {
        foreach (var (name, module) in layers)
        {
            RegisterModule(name, module);
            _layers.Add(module);
        }
    }

    /// <summary>Adds a module at the end.</summary>
    public Sequential Append(Module layer)
    {
        RegisterModule(_layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), layer);
        _layers.Add(layer);
        return this;
    }

    /// <summary>The number of children.</summary>
    public int Count => _layers.Count;

    /// <summary>The child at position <paramref name="index"/>.</summary>
    public Module this[int index] => _layers[index];

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        var x = input;
        foreach (var layer in _layers)
        {
            var next = layer.Call(x);
            if (!ReferenceEquals(x, input) && !ReferenceEquals(next, x)) x.Dispose();
            x = next;
        }
        return ReferenceEquals(x, input) ? x.Alias() : x;
    }
}

/// <summary>Holds modules in a list (named "0", "1", …) without defining a forward pass.</summary>
public sealed class ModuleList : Module
{
    private readonly List<Module> _modules = [];

    /// <summary>Creates the list from modules in order.</summary>
    public ModuleList(params Module[] modules)
    {
        foreach (var m in modules) Append(m);
    }

    /// <summary>Adds a module at the end.</summary>
    public ModuleList Append(Module module)
    {
        RegisterModule(_modules.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module);
        _modules.Add(module);
        return this;
    }

    /// <summary>The number of modules.</summary>
    public int Count => _modules.Count;

    /// <summary>The module at position <paramref name="index"/>.</summary>
    public Module this[int index] => _modules[index];

    /// <summary>The modules in order.</summary>
    public IReadOnlyList<Module> Items => _modules;

    /// <summary>A list has no forward pass of its own.</summary>
    public override Tensor Forward(Tensor input) =>
        throw new InvalidOperationException("ModuleList has no forward pass: iterate over its modules");
}
