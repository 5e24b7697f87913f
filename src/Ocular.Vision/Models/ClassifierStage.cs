using Ocular.Torch;
using Ocular.Torch.Nn;

namespace Ocular.Vision.Models;

/// <summary>
/// One step of a <see cref="Classifier"/>'s forward pass: either a registered layer, named by its
/// torchvision path (<c>layer4</c>, <c>features</c>), or a parameter-free function that torchvision
/// calls inline (<c>torch.flatten(x, 1)</c>) and that therefore has no layer path.
/// </summary>
public sealed class ClassifierStage
{
    private readonly Func<Tensor, Tensor>? _function;

    private ClassifierStage(string name, Func<Tensor, Tensor>? function)
    {
        Name = name;
        _function = function;
    }

    /// <summary>The layer path, or the function's name (e.g. <c>flatten</c>).</summary>
    public string Name { get; }

    /// <summary>True for a registered layer, false for an inline function.</summary>
    public bool IsLayer => _function is null;

    /// <summary>The stage that runs the layer registered at <paramref name="path"/>.</summary>
    public static ClassifierStage Layer(string path) => new(path, null);

    /// <summary>A named inline function; it must return a new tensor object (never its input).</summary>
    public static ClassifierStage Function(string name, Func<Tensor, Tensor> function) => new(name, function);

    /// <summary><c>torch.flatten(x, 1)</c>, as torchvision's forward passes call it between pooling and the classifier.</summary>
    public static ClassifierStage Flatten { get; } = Function("flatten", x => x.Flatten(1));

    /// <summary>Runs the stage through <see cref="Module.Call"/> (so that forward hooks fire).</summary>
    internal Tensor Apply(Module model, Tensor input) =>
        _function is null ? model.GetSubmodule(Name).Call(input) : _function(input);

    /// <summary>The layer path or function name.</summary>
    public override string ToString() => IsLayer ? Name : Name + "()";
}
