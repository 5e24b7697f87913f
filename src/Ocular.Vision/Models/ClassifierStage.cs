using Ocular.Torch;
using Ocular.Torch.Nn;

namespace Ocular.Vision.Models;

/// <summary>
/// One step of a <see cref="Classifier"/>'s forward pass: either a registered layer, named by its
/// torchvision path (<c>layer4</c>, <c>features</c>), or a function with no layer path of its own: one
/// that torchvision calls inline (<c>torch.flatten(x, 1)</c>), or an attention branch that maps feature
/// maps to re-weighted feature maps (ABN's, LFI-CAM's) using layers the model registers beside its stages.
/// LFI-CAM's branch also reads the model's input image (its grey guide): such a stage
/// <see cref="NeedsImage"/>, and a part of the model that contains it must be given the image.
/// </summary>
public sealed class ClassifierStage
{
    private readonly Func<Tensor, Tensor?, Tensor>? _function;

    private ClassifierStage(string name, Func<Tensor, Tensor?, Tensor>? function, bool keepsFeatureMaps, bool needsImage)
    {
        Name = name;
        _function = function;
        KeepsFeatureMaps = keepsFeatureMaps;
        NeedsImage = needsImage;
    }

    /// <summary>The layer path, or the function's name (e.g. <c>flatten</c>).</summary>
    public string Name { get; }

    /// <summary>True for a registered layer, false for an inline function.</summary>
    public bool IsLayer => _function is null;

    /// <summary>
    /// Whether the stage's output is still feature maps [N, C, h, w] that can be explained after it: true for every
    /// layer before the flatten and for attention branches, false for <see cref="Flatten"/> and other inline functions.
    /// </summary>
    public bool KeepsFeatureMaps { get; }

    /// <summary>Whether the stage reads the model's input image besides its input (LFI-CAM's grey guide).</summary>
    public bool NeedsImage { get; }

    /// <summary>The stage that runs the layer registered at <paramref name="path"/>.</summary>
    public static ClassifierStage Layer(string path) => new(path, null, true, false);

    /// <summary>A named inline function that ends the feature maps (e.g. a flatten); it must return a new tensor object (never its input).</summary>
    public static ClassifierStage Function(string name, Func<Tensor, Tensor> function) => new(name, (x, _) => function(x), false, false);

    /// <summary>
    /// A named function from feature maps to feature maps (an attention branch); <paramref name="function"/> gets the
    /// stage's input and, when <paramref name="needsImage"/>, the model's input image. It must return a new tensor object.
    /// </summary>
    public static ClassifierStage FeatureMapFunction(string name, Func<Tensor, Tensor?, Tensor> function, bool needsImage = false) =>
        new(name, function, true, needsImage);

    /// <summary>A part of a compiled graph run as one stage (a cut of a TorchScript model's forward pass).</summary>
    internal static ClassifierStage Graph(string name, Func<Tensor, Tensor?, Tensor> function, bool keepsFeatureMaps, bool needsImage) =>
        new(name, function, keepsFeatureMaps, needsImage);

    /// <summary><c>torch.flatten(x, 1)</c>, as torchvision's forward passes call it between pooling and the classifier.</summary>
    public static ClassifierStage Flatten { get; } = Function("flatten", x => x.Flatten(1));

    /// <summary>Runs the stage of <paramref name="model"/> on <paramref name="input"/>; a layer through <see cref="Module.Call"/> (so that forward hooks fire); <paramref name="image"/> is the model input, for a stage that <see cref="NeedsImage"/>.</summary>
    /// <exception cref="InvalidOperationException">The stage <see cref="NeedsImage"/> and <paramref name="image"/> is null.</exception>
    public Tensor Apply(Classifier model, Tensor input, Tensor? image)
    {
        if (_function is null) return model.GetSubmodule(Name).Call(input);
        if (NeedsImage && image is null)
            throw new InvalidOperationException($"stage '{Name}' of {model.Architecture} reads the model's input image: run this part of the model with the image (ClassifierPart.Forward(input, image))");
        return _function(input, image);
    }

    /// <summary>The layer path or function name.</summary>
    public override string ToString() => IsLayer ? Name : Name + "()";
}
