using Ocular.Torch;
using Ocular.Torch.Nn;
using F = Ocular.Torch.Functional;

namespace Ocular.Vision.Models.Prototypes;

/// <summary>
/// A prototype network (reference <c>learnable-visual-words.md</c> §2): a zoo backbone's convolutional trunk → add-on
/// layers (1×1 conv → ReLU → 1×1 conv → sigmoid, the <c>regular</c> type) → P words (prototypes) of dimension D →
/// squared-L2 distance maps ‖z‖² − 2 z·p + ‖p‖² (clamped at 0) → min-pool → log similarity → a bias-free last layer.
/// Learnable Visual Words and ProtoPNet share it (<see cref="PrototypeMode"/>); they differ in training only.
/// </summary>
/// <remarks>
/// <para>Layer names: the backbone's trunk keeps its torchvision names at the top level (<c>conv1</c>, <c>layer4</c>,
/// <c>features</c>), beside the original code's <c>add_on_layers</c>, <c>prototype_vectors</c> and <c>last_layer</c>
/// (its <c>features.</c> prefix dropped; its constant <c>ones</c> is not a tensor here: ‖z‖² is a channel sum).</para>
/// <para>The forward pass is a list of stages like every classifier's (the trunk, <c>add_on_layers</c>, the word
/// scores, <c>last_layer</c>), so Grad-CAM and the other methods explain it at <c>layer4</c> or <c>add_on_layers</c>;
/// <see cref="ForwardWords"/> returns everything the losses, the push and the <c>lvw</c> explainer need.</para>
/// </remarks>
public sealed class PrototypeNetwork : Classifier
{
    /// <summary>The ε of the log similarity log((d + 1)/(d + ε)) (ProtoPNet's <c>self.epsilon</c>).</summary>
    public const double Epsilon = 1e-4;

    private readonly int _defaultInputSize;
    private readonly string _defaultLayer;
    private readonly ClassifierStage[] _stages;
    private readonly ClassifierStage[] _latentStages;
    private readonly IReadOnlyList<(long Kernel, long Stride, long Padding)> _mainPath;
    private readonly int _numWords;

    /// <summary>
    /// Builds the network on <paramref name="backbone"/>'s trunk (every stage before its pooling: the backbone object
    /// must not be used afterwards; its trunk now belongs to this model and the rest is disposed), with
    /// <paramref name="wordsPerClass"/> × K words of <paramref name="dimension"/> channels for K = the backbone's classes.
    /// Initialisation (§2): add-on convolutions Kaiming-normal (fan_out) with zero bias, words uniform in [0, 1), and the
    /// last layer's class identity (+1 for the class that owns word j, j // wordsPerClass; −0.5 elsewhere).
    /// </summary>
    public PrototypeNetwork(string architecture, Classifier backbone, PrototypeMode mode, int wordsPerClass = 5, int dimension = 128)
        : base(architecture, backbone?.InChannels ?? throw new ArgumentNullException(nameof(backbone)))
    {
        if (wordsPerClass < 1) throw new ArgumentOutOfRangeException(nameof(wordsPerClass), wordsPerClass, "at least one word per class");
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "the word dimension must be positive");
        Mode = mode;
        BackboneArchitecture = backbone.Architecture;
        WordsPerClass = wordsPerClass;
        Dimension = dimension;
        _defaultInputSize = backbone.DefaultInputSize;
        _defaultLayer = backbone.DefaultLayer;
        var classes = backbone.NumClasses;
        _numWords = checked(wordsPerClass * classes);

        var trunk = TrunkOf(backbone);
        var adopted = trunk.Select(s => s.Name).ToHashSet();
        foreach (var (name, module) in backbone.NamedChildren().ToList())
        {
            if (adopted.Contains(name)) RegisterModule(name, module);
            else module.Dispose();
        }
        var trunkModules = trunk.SelectMany(s => GetSubmodule(s.Name).NamedModules(s.Name)).ToList();
        _mainPath = [.. ReceptiveField.MainPath(trunkModules)];
        // ProtoPNet's rule for the add-on's input channels: the output channels of the trunk's last convolution.
        FeatureChannels = trunkModules.Select(m => m.Module).OfType<Conv2d>().LastOrDefault()?.OutChannels
            ?? throw new ArgumentException($"{backbone.Architecture} has no convolution before its pooling");

        var addOn = RegisterModule("add_on_layers", new Sequential(
            new Conv2d(FeatureChannels, dimension, 1), new ReLU(), new Conv2d(dimension, dimension, 1), new Sigmoid()));
        foreach (var conv in addOn.NamedModules().Select(m => m.Module).OfType<Conv2d>())
        {
            Init.KaimingNormal_(conv.Weight, mode: Init.FanMode.FanOut, nonlinearity: "relu");
            Init.Zeros_(conv.Bias!);
        }
        RegisterParameter("prototype_vectors", new Parameter(Tensor.Rand([NumWords, dimension, 1, 1])));
        RegisterModule("last_layer", new Linear(NumWords, classes, bias: false));
        SetLastLayerIncorrectConnection(-0.5);

        _latentStages = [.. trunk, ClassifierStage.Layer("add_on_layers")];
        _stages = [.. _latentStages, ClassifierStage.Function("word_scores", z =>
        {
            using var scope = DisposeScope.Enter();
            return scope.Keep(Similarity(MinPool(Distances(z))));
        }), ClassifierStage.Layer("last_layer")];
    }

    /// <summary>How the network is trained (the zoo prefix <c>lvw_</c> or <c>protopnet_</c>).</summary>
    public PrototypeMode Mode { get; }

    /// <summary>The zoo name of the backbone (e.g. <c>resnet34</c>).</summary>
    public string BackboneArchitecture { get; }

    /// <summary>Words per class at initialisation (P = this × K).</summary>
    public int WordsPerClass { get; }

    /// <summary>The number of words (prototypes) P.</summary>
    public int NumWords => _numWords;

    /// <summary>The word dimension D (the add-on's output channels).</summary>
    public int Dimension { get; }

    /// <summary>The trunk's output channels (the add-on's input).</summary>
    public long FeatureChannels { get; }

    /// <summary>The words [P, D, 1, 1] (<c>prototype_vectors</c>).</summary>
    public Parameter Words => GetParameter("prototype_vectors")!;

    /// <summary>The last layer, words → classes, without bias.</summary>
    public Linear LastLayer => (Linear)GetSubmodule("last_layer");

    /// <summary>The add-on layers.</summary>
    public Sequential AddOnLayers => (Sequential)GetSubmodule("add_on_layers");

    /// <summary>The trunk's top-level layer paths, in forward order.</summary>
    public IReadOnlyList<string> TrunkLayers => [.. _latentStages.SkipLast(1).Select(s => s.Name)];

    /// <summary>Each word's class at initialisation, one-hot [P, K] float32 (<c>prototype_class_identity</c>): word j belongs to class j // <see cref="WordsPerClass"/>.</summary>
    public Tensor ClassIdentity()
    {
        using var scope = DisposeScope.Enter();
        var owner = Tensor.FromArray([.. Enumerable.Range(0, NumWords).Select(j => (long)(j / WordsPerClass))], NumWords);
        return scope.Keep(F.OneHot(owner, NumClasses).To(ScalarType.Float32));
    }

    /// <summary>The receptive field of a latent position for a square input of <paramref name="inputSize"/> pixels.</summary>
    public ReceptiveField ReceptiveFieldAt(int inputSize) => ReceptiveField.Of(_mainPath, inputSize);

    /// <inheritdoc/>
    public override int DefaultInputSize => _defaultInputSize;

    /// <inheritdoc/>
    public override string DefaultLayer => _defaultLayer;

    /// <inheritdoc/>
    public override string HeadPath => "last_layer";

    /// <inheritdoc/>
    public override IReadOnlyList<ClassifierStage> Stages => _stages;

    /// <summary>The add-on's output z [N, D, h, w] (values in (0, 1)) for images [N, C, H, W].</summary>
    public Tensor Latent(Tensor images) => ClassifierPart.Run(this, _latentStages, images, protectInput: false, image: images);

    /// <summary>
    /// Squared L2 distances [N, P, h, w] between every word and every latent patch of z [N, D, h, w]:
    /// ‖z‖² − 2 z·p + ‖p‖², clamped at 0 (ProtoPNet's <c>_l2_convolution</c>). Always in float32: inside a bfloat16
    /// autocast scope the expansion would cancel to bfloat16's 8 bits exactly where a patch is near a word (the
    /// distances that matter), so autocast is switched off for it (docs/precision.md).
    /// </summary>
    public Tensor Distances(Tensor z)
    {
        ArgumentNullException.ThrowIfNull(z);
        using var float32 = Autocast.IsEnabled ? Autocast.Enter(enabled: false) : null;
        using var scope = DisposeScope.Enter();
        z = z.To(ScalarType.Float32);
        var words = Words;
        var z2 = z.Pow(2).Sum(1, keepDim: true);
        var p2 = words.Pow(2).Sum([1, 2, 3]).View(-1, 1, 1);
        var zp = F.Conv2d(z, words);
        return scope.Keep(z2.Add(zp.Mul(-2).Add(p2)).Relu());
    }

    /// <summary>Each map's minimum [N, P] of distances [N, P, h, w] (−max-pool(−d) over the whole map, as the original: the gradient goes to one position).</summary>
    public static Tensor MinPool(Tensor distances)
    {
        ArgumentNullException.ThrowIfNull(distances);
        using var scope = DisposeScope.Enter();
        var pooled = F.MaxPool2d(distances.Neg(), (distances.Size(2), distances.Size(3))).Neg();
        return scope.Keep(pooled.View(distances.Size(0), distances.Size(1)));
    }

    /// <summary>ProtoPNet's log activation log((d + 1)/(d + ε)), ε = 1e-4: 9.2103 at d = 0, → 0 as d grows.</summary>
    public static Tensor Similarity(Tensor distances)
    {
        ArgumentNullException.ThrowIfNull(distances);
        using var scope = DisposeScope.Enter();
        return scope.Keep(distances.Add(1).Div(distances.Add(Epsilon)).Log());
    }

    /// <summary>One forward pass with everything the losses, the push and the explainer use (§2). Hooks fire on the trunk, the add-on and the last layer.</summary>
    public PrototypeOutput ForwardWords(Tensor images)
    {
        using var scope = DisposeScope.Enter();
        var distances = Distances(Latent(images));
        var min = MinPool(distances);
        var scores = Similarity(min);
        var logits = LastLayer.Call(scores);
        return new PrototypeOutput(scope.Keep(logits), scope.Keep(min), scope.Keep(scores), scope.Keep(Similarity(distances)));
    }

    /// <summary>Sets the last layer to the class identity: +1 from each word to its own class, <paramref name="incorrectStrength"/> to every other class.</summary>
    public void SetLastLayerIncorrectConnection(double incorrectStrength)
    {
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        var positive = ClassIdentity().Transpose(0, 1);
        var weights = positive.Add(positive.Neg().Add(1).Mul(incorrectStrength));
        LastLayer.Weight.Copy_(weights);
    }

    /// <summary>Whether <paramref name="key"/> (a parameter or buffer path) belongs to the layers added to the backbone's trunk.</summary>
    public static bool IsAddedKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.StartsWith("add_on_layers.", StringComparison.Ordinal) || key == "prototype_vectors" || key.StartsWith("last_layer.", StringComparison.Ordinal);
    }

    /// <summary>The number of parameters the add-on layers, the words and the last layer add to a trunk of <paramref name="channels"/> output channels.</summary>
    public static long AddedParameters(long channels, long dimension, long words, long classes) =>
        channels * dimension + dimension + dimension * dimension + dimension + words * dimension + words * classes;

    // The stages before the backbone's pooling: its convolutional trunk.
    private static ClassifierStage[] TrunkOf(Classifier backbone)
    {
        var stages = backbone.Stages;
        var pool = stages.ToList().FindIndex(s => s.Name == "avgpool");
        if (pool <= 0 || stages.Take(pool).Any(s => !s.IsLayer))
            throw new ArgumentException($"a prototype network needs a backbone whose convolutional layers come before an 'avgpool' stage; {backbone.Architecture} has {string.Join(", ", stages)}");
        return [.. stages.Take(pool)];
    }
}
