using Ocular.Torch;
using Ocular.Torch.Nn;

namespace Ocular.Vision.Models;

/// <summary>
/// The base of every model in the zoo: an image classifier whose forward pass is an ordered list
/// of named stages (<see cref="Stages"/>), so that it can be split at a layer into a trunk and a
/// head (<see cref="Split"/>). It states what the explanation methods need to know: the default
/// input size, the default layer to explain, the layer whose maps are globally average-pooled into
/// the linear classifier (CAM), and the classifier (<see cref="Head"/>), which can be replaced for
/// fine-tuning. Parameter, buffer and layer names are torchvision's.
/// </summary>
public abstract class Classifier : Module
{
    /// <summary>Sets the registry name and the number of input channels.</summary>
    protected Classifier(string architecture, int inChannels)
    {
        if (inChannels < 1) throw new ArgumentOutOfRangeException(nameof(inChannels), inChannels, "a classifier needs at least one input channel");
        Architecture = architecture;
        InChannels = inChannels;
    }

    /// <summary>The registry name, e.g. <c>resnet50</c>, <c>vgg16_bn</c>, <c>cifar_resnet110</c> (see <see cref="ModelZoo"/>).</summary>
    public string Architecture { get; }

    /// <summary>Input image channels (3 for RGB).</summary>
    public int InChannels { get; }

    /// <summary>The number of classes (the output features of <see cref="Head"/>).</summary>
    public int NumClasses => checked((int)Head.OutFeatures);

    /// <summary>
    /// For a copy made by a model-randomisation sanity check: the weights hash (<see cref="ClassifierCheckpoint.WeightsHash"/>)
    /// of the trained classifier it was copied from before its layers were randomised; null for any other model.
    /// A learned explainer bound to that trained classifier may run on the copy, which is the point of the check.
    /// </summary>
    public string? RandomisedFromWeightsHash { get; set; }

    /// <summary>The side of the square input the architecture is designed for (224 for ImageNet models).</summary>
    public abstract int DefaultInputSize { get; }

    /// <summary>The layer explained by default: the last convolutional feature maps (e.g. <c>layer4</c>, <c>features.29</c>).</summary>
    public abstract string DefaultLayer { get; }

    /// <summary>
    /// The layer whose output, globally average-pooled, feeds <see cref="Head"/> directly, so that
    /// CAM's maps are Σ_c w[class, c]·A_c with w = <see cref="Head"/>'s weight; null when the
    /// architecture has no such layer (VGG and AlexNet have fully connected layers in between).
    /// </summary>
    public virtual string? CamLayer => null;

    /// <summary>The path of the final linear layer (<c>fc</c>, <c>classifier.6</c>).</summary>
    public abstract string HeadPath { get; }

    /// <summary>The final linear layer, producing the logits.</summary>
    public Linear Head => GetSubmodule(HeadPath) as Linear
        ?? throw new InvalidOperationException($"{Architecture}: the layer at '{HeadPath}' is not a Linear layer");

    /// <summary>The forward pass, in order (top-level layers and inline functions).</summary>
    public abstract IReadOnlyList<ClassifierStage> Stages { get; }

    /// <summary>Every layer path (every named module except the model itself), depth first, as torchvision's <c>named_modules()</c>.</summary>
    public IReadOnlyList<string> LayerPaths => [.. NamedModules().Skip(1).Select(m => m.Path)];

    /// <summary>Logits [N, classes] for images [N, C, H, W]: runs <see cref="Stages"/> in order.</summary>
    public override Tensor Forward(Tensor input) => ClassifierPart.Run(this, Stages, input, protectInput: false, image: input);

    // ------------------------------------------------------------ fine-tuning

    /// <summary>
    /// Replaces the final linear layer by a new one with <paramref name="numClasses"/> outputs and
    /// PyTorch's default initialisation (as <c>model.fc = nn.Linear(in, n)</c> does), on the old
    /// layer's device and element type; the old layer is disposed. Everything else is kept.
    /// </summary>
    public void ReplaceHead(int numClasses)
    {
        if (numClasses < 1) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "a classifier needs at least one class");
        var old = Head;
        var head = new Linear(old.InFeatures, numClasses);
        if (old.Weight.Device != Device.Cpu) head.To(old.Weight.Device);
        if (old.Weight.DType != ScalarType.Float32) head.To(old.Weight.DType);
        head.Train(old.Training);
        var dot = HeadPath.LastIndexOf('.');
        if (dot < 0)
        {
            RegisterModule(HeadPath, head);
        }
        else
        {
            // torchvision's classifier.6: rebuild the Sequential around the same layers.
            var parentPath = HeadPath[..dot];
            var index = int.Parse(HeadPath[(dot + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            if (parentPath.Contains('.') || GetSubmodule(parentPath) is not Sequential parent)
                throw new InvalidOperationException($"{Architecture}: cannot replace the head at '{HeadPath}': its parent is not a top-level Sequential");
            var layers = Enumerable.Range(0, parent.Count).Select(i => i == index ? head : parent[i]).ToArray();
            RegisterModule(parentPath, new Sequential(layers).Train(parent.Training));
        }
        old.Dispose();
    }

    // ------------------------------------------------------------ splitting

    /// <summary>
    /// Splits the model after the layer at <paramref name="layerPath"/>: the trunk maps the input to
    /// that layer's output, the head maps it on to the logits; both share this model's weights.
    /// A path inside a Sequential stage (<c>layer4.1</c>, <c>features.29</c>) expands that Sequential.
    /// </summary>
    /// <exception cref="UnknownLayerException">The path names no layer (the message lists the valid ones).</exception>
    /// <exception cref="LayerSplitException">The layer lies inside a block whose forward is not a plain sequence (e.g. <c>layer4.1.conv2</c> inside a residual block).</exception>
    public virtual ModelSplit Split(string layerPath)
    {
        GetSubmodule(layerPath);
        var stages = new List<ClassifierStage>(Stages);
        var expanded = new List<string>();
        while (true)
        {
            var i = stages.FindIndex(s => s.IsLayer && s.Name == layerPath);
            if (i >= 0)
                return new ModelSplit(layerPath, new ClassifierPart(this, stages.Take(i + 1), startsAtInput: true), new ClassifierPart(this, stages.Skip(i + 1), startsAtInput: false));
            var j = stages.FindIndex(s => s.IsLayer && layerPath.StartsWith(s.Name + ".", StringComparison.Ordinal));
            if (j < 0)
                throw new LayerSplitException(layerPath, $"cannot split {Architecture} at '{layerPath}': the layer is not part of the forward pass's stages ({string.Join(", ", stages)})", []);
            var enclosing = stages[j].Name;
            if (GetSubmodule(enclosing) is not Sequential sequential)
            {
                var alternatives = new[] { enclosing }.Concat(Enumerable.Reverse(expanded)).ToList();
                throw new LayerSplitException(layerPath,
                    $"cannot split {Architecture} at '{layerPath}': it lies inside '{enclosing}' ({GetSubmodule(enclosing).GetType().Name}), " +
                    $"whose forward is not a plain sequence of its children; split at an enclosing layer instead: {string.Join(", ", alternatives)}",
                    alternatives);
            }
            expanded.Add(enclosing);
            stages.RemoveAt(j);
            stages.InsertRange(j, sequential.NamedChildren().Select(c => ClassifierStage.Layer(enclosing + "." + c.Name)));
        }
    }

    /// <summary>Every layer path <see cref="Split"/> accepts, in forward order (stages, and the children of Sequential stages, recursively).</summary>
    public virtual IReadOnlyList<string> SplitPoints
    {
        get
        {
            var result = new List<string>();
            void Add(string path)
            {
                result.Add(path);
                if (GetSubmodule(path) is Sequential s)
                    foreach (var (name, _) in s.NamedChildren()) Add(path + "." + name);
            }
            foreach (var stage in Stages.Where(s => s.IsLayer)) Add(stage.Name);
            return result;
        }
    }

    /// <summary>
    /// The layers whose outputs are feature maps [N, C, h, w] that can be explained, in forward order: every split
    /// point before the flatten.
    /// </summary>
    public virtual IReadOnlyList<string> FeatureMapLayers
    {
        get
        {
            var flatten = Stages.ToList().FindIndex(s => !s.KeepsFeatureMaps);
            var beforeFlatten = flatten < 0 ? Stages : Stages.Take(flatten);
            var roots = beforeFlatten.Where(s => s.IsLayer).Select(s => s.Name).ToHashSet();
            return [.. SplitPoints.Where(p => roots.Contains(p) || roots.Any(r => p.StartsWith(r + ".", StringComparison.Ordinal)))];
        }
    }

    /// <summary>
    /// The part of the forward pass from the output of the feature-map layer <paramref name="from"/> to the output of the
    /// later feature-map layer <paramref name="to"/> (both from <see cref="FeatureMapLayers"/>); run it with
    /// <see cref="ClassifierPart.Forward(Tensor, Tensor)"/>. It shares the model's weights.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="to"/> does not come after <paramref name="from"/>, or the part flattens the feature maps.</exception>
    public virtual ClassifierPart Segment(string from, string to)
    {
        var stages = new List<ClassifierStage>(Stages);
        foreach (var layer in new[] { from, to })
        {
            while (!stages.Any(s => s.IsLayer && s.Name == layer))
            {
                var j = stages.FindIndex(s => s.IsLayer && layer.StartsWith(s.Name + ".", StringComparison.Ordinal));
                if (j < 0 || GetSubmodule(stages[j].Name) is not Sequential sequential)
                {
                    _ = Split(layer);   // its error says which layers to use instead
                    throw new ArgumentException($"cannot cut {Architecture} at '{layer}'");
                }
                var parent = stages[j].Name;
                stages.RemoveAt(j);
                stages.InsertRange(j, sequential.NamedChildren().Select(c => ClassifierStage.Layer(parent + "." + c.Name)));
            }
        }
        var start = stages.FindIndex(s => s.IsLayer && s.Name == from);
        var end = stages.FindIndex(s => s.IsLayer && s.Name == to);
        if (end <= start) throw new ArgumentException($"layer '{to}' does not come after '{from}' in {Architecture}'s forward pass");
        var segment = stages.Skip(start + 1).Take(end - start).ToList();
        if (segment.Any(s => !s.KeepsFeatureMaps))
            throw new ArgumentException($"layer '{to}' of {Architecture} comes after the feature maps are flattened: choose a convolutional layer");
        return new ClassifierPart(this, segment, startsAtInput: false);
    }
}
