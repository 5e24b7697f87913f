using Ocular.Torch;
using Ocular.Torch.Jit;
using Ocular.Torch.Nn;

namespace Ocular.Vision.Models.TorchScript;

/// <summary>
/// Any PyTorch image classifier exported to TorchScript, explained and evaluated like a zoo model without a
/// re-implementation of its architecture. Its layers are the modules its forward pass calls once
/// (<see cref="ScriptModule.Layers"/>); splitting it at a layer (<see cref="Split"/>) and running between two layers
/// (<see cref="Segment"/>) use cuts of its forward graph, so that methods that re-run the network from a layer
/// (Ablation-CAM, Score-CAM's head, L-CAM's frozen prefix) work on it as on a zoo model.
/// </summary>
/// <remarks>
/// <para>The C# module tree mirrors the TorchScript one (same paths, parameters and buffers, which share the model's
/// storage), so that layer listings, parameter counts, weight hashes and in-place re-initialisation work; a
/// <c>Linear</c> submodule is a <see cref="Linear"/> (<see cref="Classifier.Head"/> for CAM).</para>
/// <para>Forward hooks do not fire inside the graph: <see cref="LayerCapture"/> refuses this model; methods take a
/// layer's output from <see cref="Split"/> instead. The parameters are frozen: Ocular explains and evaluates a
/// TorchScript model, it does not train it.</para>
/// </remarks>
public sealed class TorchScriptClassifier : Classifier
{
    /// <summary>The architecture name prefix of TorchScript models (<c>torchscript:densenet121.pt</c>).</summary>
    public const string ArchitecturePrefix = "torchscript:";

    private readonly ScriptModule _script;
    private readonly Dictionary<(string?, string?), ScriptCut> _cuts = [];
    private readonly IReadOnlyList<string> _layers;
    private readonly IReadOnlyList<string> _featureMapLayers;
    private readonly IReadOnlyList<string> _spatialLayers;   // feature maps larger than 1×1
    private readonly Dictionary<string, long[]> _shapes;     // each layer's output shape for one image at the input size
    private readonly string _headPath;
    private bool _scriptTraining;

    private TorchScriptClassifier(ScriptModule script, string name, int inChannels, int inputSize) : base(ArchitecturePrefix + name, inChannels)
    {
        _script = script;
        DefaultInputSize = inputSize;
        _script.Train(false);
        _scriptTraining = false;
        Mirror();
        Eval();
        var calls = script.Layers();
        _layers = [.. calls.Where(c => c.IsSingleCall).Select(c => c.Path)];
        (_featureMapLayers, _spatialLayers, _shapes, var outputShape) = DryRun(inChannels, inputSize);
        if (outputShape.Length != 2)
            throw new InvalidDataException($"{script.Path}: the model's forward returns {Tensor.ShapeString(outputShape)} for one image, not logits [N, classes]");
        NumClassesOfOutput = (int)outputShape[1];
        if (_featureMapLayers.Count == 0)
            throw new InvalidDataException($"{script.Path}: no layer of the model outputs feature maps [N, C, h, w] at {inputSize}×{inputSize}; modules called once: {string.Join(", ", _layers)}");
        _headPath = HeadOf(calls);
        var position = calls.Where(c => c.IsSingleCall).ToDictionary(c => c.Path, c => c.Position);
        var candidates = _spatialLayers.Count > 0 ? _spatialLayers : _featureMapLayers;
        var last = candidates.Max(p => position[p]);
        DefaultLayer = candidates.First(p => position[p] == last);
        CamLayer = IsGlobalAveragePoolIntoHead(DefaultLayer, _shapes[DefaultLayer]) ? DefaultLayer : null;
    }

    /// <summary>Loads a TorchScript file as a classifier of <paramref name="inChannels"/>-channel <paramref name="inputSize"/>² images.</summary>
    /// <exception cref="InvalidDataException">Not TorchScript, or not a classifier (the message says what was found).</exception>
    public static TorchScriptClassifier Load(string path, int inputSize, int inChannels = 3) =>
        Create(ScriptModule.Load(path), Path.GetFileName(path), inChannels, inputSize);

    /// <summary>Loads a TorchScript archive embedded in a checkpoint (<paramref name="source"/> names it in messages).</summary>
    public static TorchScriptClassifier Load(byte[] archive, string source, string name, int inputSize, int inChannels = 3) =>
        Create(ScriptModule.Load(archive, source), name, inChannels, inputSize);

    private static TorchScriptClassifier Create(ScriptModule script, string name, int inChannels, int inputSize)
    {
        try
        {
            return new TorchScriptClassifier(script, name, inChannels, inputSize);
        }
        catch
        {
            script.Dispose();
            throw;
        }
    }

    /// <summary>The input size a TorchScript file given directly as a model is run at (ImageNet's).</summary>
    public const int DirectInputSize = 224;

    /// <summary>
    /// The metadata of a TorchScript file given directly as a model: ImageNet's evaluation preprocessing (resize 256,
    /// centre-crop 224, ImageNet mean and deviation), the classes its forward returns, no class names. Record other
    /// preprocessing with <c>ocular import --torchscript</c>.
    /// </summary>
    public static ClassifierMetadata DefaultMetadata(TorchScriptClassifier model) => new()
    {
        Architecture = model.Architecture,
        NumClasses = model.NumClasses,
        InChannels = model.InChannels,
        InputSize = DirectInputSize,
        ResizeSize = 256,
        Mean = [.. ImageNormalization.ImageNet.Mean],
        Std = [.. ImageNormalization.ImageNet.Std],
    };

    /// <summary>The TorchScript model.</summary>
    public ScriptModule Script => _script;

    /// <summary>The number of classes the forward pass returns.</summary>
    public int NumClassesOfOutput { get; }

    /// <inheritdoc/>
    public override int DefaultInputSize { get; }

    /// <summary>
    /// The last layer that outputs feature maps larger than 1×1 (not a global pooling), else the last with feature maps;
    /// of a module and the last module inside it, which compute the same output (<c>layer4</c>, <c>layer4.1</c>), the outer.
    /// </summary>
    public override string DefaultLayer { get; }

    /// <summary>
    /// <see cref="DefaultLayer"/> when the rest of the forward pass is a global average pooling into <see cref="Classifier.Head"/>
    /// (checked numerically on a random activation at load), so that CAM applies; else null.
    /// </summary>
    public override string? CamLayer { get; }

    /// <summary>The <c>Linear</c> module whose output is the logits, or the last <c>Linear</c> the forward pass calls.</summary>
    public override string HeadPath => _headPath;

    /// <summary>One stage: the whole compiled forward pass (splits come from graph cuts, not from stages).</summary>
    public override IReadOnlyList<ClassifierStage> Stages =>
        [ClassifierStage.Graph("torchscript", (x, _) => Forward(x), keepsFeatureMaps: false, needsImage: false)];

    /// <summary>The modules the forward pass calls once, outside loops and branches, in forward order.</summary>
    public override IReadOnlyList<string> SplitPoints => _layers;

    /// <inheritdoc/>
    public override IReadOnlyList<string> FeatureMapLayers => _featureMapLayers;

    /// <summary>Runs the compiled forward pass.</summary>
    public override Tensor Forward(Tensor input)
    {
        SyncMode();
        return _script.Forward(input);
    }

    /// <summary>Splits the forward graph after <paramref name="layerPath"/>: the trunk returns its output, the head starts from it (and reads the input image again when a later op does).</summary>
    /// <exception cref="UnknownLayerException">The path is not a module the forward pass calls once (the message lists those).</exception>
    public override ModelSplit Split(string layerPath)
    {
        CheckLayer(layerPath);
        var trunk = Cut(null, layerPath);
        var head = Cut(layerPath, null);
        return new ModelSplit(layerPath,
            new ClassifierPart(this, [ClassifierStage.Graph($"torchscript[input → {layerPath}]", (x, _) => Run(trunk, x, null), true, false)], startsAtInput: true),
            new ClassifierPart(this, [ClassifierStage.Graph($"torchscript[{layerPath} → logits]", (a, image) => Run(head, image, a), false, head.ReadsInput)], startsAtInput: false));
    }

    /// <inheritdoc/>
    public override ClassifierPart Segment(string from, string to)
    {
        CheckLayer(from);
        CheckLayer(to);
        var order = _layers.ToList();
        if (order.IndexOf(to) <= order.IndexOf(from))
            throw new ArgumentException($"layer '{to}' does not come after '{from}' in {Architecture}'s forward pass");
        var cut = Cut(from, to);
        return new ClassifierPart(this, [ClassifierStage.Graph($"torchscript[{from} → {to}]", (a, image) => Run(cut, image, a), true, cut.ReadsInput)], startsAtInput: false);
    }

    private void CheckLayer(string path)
    {
        if (_layers.Contains(path)) return;
        var known = LayerPaths.Contains(path)
            ? $" ('{path}' is a submodule, but the forward pass calls it {CallsOf(path)})"
            : "";
        throw new UnknownLayerException(path, Architecture + known, _layers);
    }

    private string CallsOf(string path)
    {
        var call = _script.Layers().FirstOrDefault(c => c.Path == path);
        return call is null ? "never (or only inside a function the graph inlines)"
            : call.Position < 0 ? "inside a loop or a branch" : $"{call.Calls} times";
    }

    private ScriptCut Cut(string? from, string? to)
    {
        lock (_cuts)
        {
            if (!_cuts.TryGetValue((from, to), out var cut)) _cuts[(from, to)] = cut = _script.Cut(from, to);
            return cut;
        }
    }

    private Tensor Run(ScriptCut cut, Tensor? image, Tensor? activation)
    {
        SyncMode();
        if (cut.ReadsInput && image is null)
            throw new InvalidOperationException($"this part of {Architecture} reads the model's input image again: run it with ClassifierPart.Forward(input, image)");
        // One image for a batch of copies of its activation (Ablation-CAM's ablated copies): the graph sees it repeated.
        if (cut.ReadsInput && activation is not null && image!.Size(0) == 1 && activation.Size(0) > 1)
        {
            using var repeated = image.Expand([activation.Size(0), .. image.Shape[1..]]);
            return cut.Run(repeated, activation)[0];
        }
        return cut.Run(image, activation)[0];
    }

    // The C# Training flag is the source of truth (Module.Train sets it on the mirror); the graph reads its own.
    private void SyncMode()
    {
        if (_scriptTraining == Training) return;
        _script.Train(Training);
        _scriptTraining = Training;
    }

    // One dry run with every single-call layer captured: which ones output feature maps, and the logits' shape.
    // CAM's premise (reference §2.1): logits = W · mean_xy(A) + b after the layer. A random activation through the head cut
    // and through the pooled Linear must agree.
    private bool IsGlobalAveragePoolIntoHead(string layer, long[] shape)
    {
        if (_headPath.Length == 0) return false;
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        var head = Cut(layer, null);
        if (head.ReadsInput) return false;
        using var generator = new Generator(0);
        var a = Tensor.Rand(shape, generator);
        var viaGraph = head.Run(null, a)[0];
        var viaPool = Head.Call(a.Mean([2, 3]));
        return viaGraph.Shape.SequenceEqual(viaPool.Shape) && viaGraph.AllClose(viaPool, rtol: 1e-4, atol: 1e-5);
    }

    private (IReadOnlyList<string> FeatureMaps, IReadOnlyList<string> Spatial, Dictionary<string, long[]> Shapes, long[] OutputShape) DryRun(int inChannels, int inputSize)
    {
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        var probe = Tensor.Zeros([1, inChannels, inputSize, inputSize]);
        long[] shape;
        try
        {
            shape = _script.Forward(probe).Shape;
        }
        catch (TorchException e)
        {
            throw new InvalidDataException($"{_script.Path}: a dry run on one {inChannels}×{inputSize}×{inputSize} image failed: {e.Message}", e);
        }
        if (_layers.Count == 0) return ([], [], [], shape);
        using var capture = _script.Capture(_layers);
        var outputs = capture.Run(probe);
        var maps = _layers.Where((_, i) => outputs[i + 1].Dim == 4).ToList();
        var spatial = _layers.Where((_, i) => outputs[i + 1].Dim == 4 && outputs[i + 1].Size(2) * outputs[i + 1].Size(3) > 1).ToList();
        return (maps, spatial, _layers.Select((l, i) => (l, outputs[i + 1].Shape)).ToDictionary(x => x.l, x => x.Shape), shape);
    }

    // The Linear module whose call computes the logits, else the last Linear called.
    private string HeadOf(IReadOnlyList<ScriptLayerCall> calls)
    {
        var types = _script.Modules().ToDictionary(m => m.Path, m => m.ClassName);
        var linear = calls.Where(c => c.IsSingleCall && types.GetValueOrDefault(c.Path) == "Linear").Select(c => c.Path).ToList();
        return linear.Count > 0 ? linear[^1] : "";
    }

    // Builds the C# mirror of the module tree: ScriptLayer nodes whose parameters and buffers alias the model's tensors;
    // Linear layers as Linear (a copy of the weights).
    private void Mirror()
    {
        var parameters = _script.Parameters();
        var buffers = _script.Buffers();
        var modules = _script.Modules();
        var nodes = new Dictionary<string, Module> { [""] = this };
        foreach (var m in modules)
        {
            var dot = m.Path.LastIndexOf('.');
            var parent = dot < 0 ? "" : m.Path[..dot];
            var name = m.Path[(dot + 1)..];
            Module node = m.ClassName == "Linear" ? LinearCopy(m.Path, parameters) : new ScriptLayer(_script, m.Path, m.ClassName);
            nodes[m.Path] = node;
            if (nodes[parent] is ScriptLayer layer) layer.AddChild(name, node);
            else if (ReferenceEquals(nodes[parent], this)) RegisterModule(name, node);
        }
        foreach (var (fullName, tensor) in parameters)
        {
            var (owner, local) = Owner(fullName, nodes);
            if (owner is ScriptLayer layer) layer.AddParameter(local, tensor);
            else if (ReferenceEquals(owner, this)) RegisterParameter(local, new Parameter(tensor, requiresGrad: false));
            else tensor.Dispose();   // a Linear's: copied
        }
        foreach (var (fullName, tensor) in buffers)
        {
            var (owner, local) = Owner(fullName, nodes);
            if (owner is ScriptLayer layer) layer.AddBuffer(local, tensor);
            else if (ReferenceEquals(owner, this)) RegisterBuffer(local, tensor);
            else tensor.Dispose();
        }
    }

    private static (Module Owner, string Local) Owner(string fullName, Dictionary<string, Module> nodes)
    {
        var dot = fullName.LastIndexOf('.');
        return (nodes[dot < 0 ? "" : fullName[..dot]], fullName[(dot + 1)..]);
    }

    // A Linear whose weight and bias are aliases of the model's (sharing storage, as the other mirrors' parameters), so
    // that Head reads the model's current weights and a re-initialisation (the sanity check's) reaches the model.
    private static Linear LinearCopy(string path, IReadOnlyList<(string Name, Tensor Tensor)> parameters)
    {
        var weight = parameters.First(p => p.Name == path + ".weight").Tensor;
        var bias = parameters.FirstOrDefault(p => p.Name == path + ".bias").Tensor;
        var linear = new Linear(weight.Size(1), weight.Size(0), bias is not null);
        linear.Weight.ReplaceWith(DisposeScope.Detach(weight.Detach()));
        if (bias is not null) linear.Bias!.ReplaceWith(DisposeScope.Detach(bias.Detach()));
        linear.RequiresGrad_(false);
        return linear;
    }

    /// <summary>An independent copy: the same graph and weights (its archive loaded again), in evaluation mode.</summary>
    public TorchScriptClassifier Clone() =>
        Load(_script.ToArchive(), _script.Path, Architecture[ArchitecturePrefix.Length..], DefaultInputSize, InChannels);

    /// <summary>Frees the model and its cuts.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var cut in _cuts.Values) cut.Dispose();
            _cuts.Clear();
            _script.Dispose();
        }
        base.Dispose(disposing);
    }
}
