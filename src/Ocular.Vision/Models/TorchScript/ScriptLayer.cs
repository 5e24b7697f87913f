using Ocular.Torch;
using Ocular.Torch.Jit;
using Ocular.Torch.Nn;

namespace Ocular.Vision.Models.TorchScript;

/// <summary>
/// A submodule of a <see cref="TorchScriptClassifier"/> in its C# mirror: the same path, parameters and buffers (aliases
/// of the TorchScript model's tensors, sharing storage) and children; calling it runs the submodule's own compiled
/// forward method.
/// </summary>
public sealed class ScriptLayer : Module
{
    private readonly ScriptModule _script;

    internal ScriptLayer(ScriptModule script, string path, string className)
    {
        _script = script;
        Path = path;
        ClassName = className;
    }

    /// <summary>The submodule's path in the model.</summary>
    public string Path { get; }

    /// <summary>Its TorchScript class name (<c>Conv2d</c>, <c>_DenseBlock</c>).</summary>
    public string ClassName { get; }

    /// <summary>Runs the submodule's compiled forward method.</summary>
    public override Tensor Forward(Tensor input) => _script.Call(Path, input);

    internal void AddChild(string name, Module child) => RegisterModule(name, child);

    internal void AddParameter(string name, Tensor tensor) => RegisterParameter(name, new Parameter(tensor, requiresGrad: false));

    internal void AddBuffer(string name, Tensor tensor) => RegisterBuffer(name, tensor);

    /// <inheritdoc/>
    protected override string ExtraRepr() => ClassName;
}
