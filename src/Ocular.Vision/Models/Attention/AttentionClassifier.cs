using Ocular.Torch;
using Ocular.Torch.Nn;
using F = Ocular.Torch.Functional;

namespace Ocular.Vision.Models.Attention;

/// <summary>
/// A classifier whose explanation comes out of its own forward pass: a zoo backbone with an attention branch
/// attached (LFI-CAM, ABN; reference <c>lfi-cam.md</c>). The backbone's layers keep their torchvision names at the top
/// level (<c>conv1</c>, <c>layer4</c>, <c>fc</c>) and the branch's layers are registered beside them with the original
/// code's names, so checkpoints load by name. The branch is a stage of <see cref="Classifier.Stages"/>, so the model
/// splits, explains with Grad-CAM and the rest, and trains like any classifier; <see cref="ForwardWithAttention"/> also
/// returns the map (and ABN's branch logits), and <see cref="Loss"/> is the training objective.
/// </summary>
public abstract class AttentionClassifier : Classifier
{
    private readonly int _defaultInputSize;
    private readonly string _defaultLayer;
    private readonly string _headPath;
    private readonly HashSet<string> _branchModules = [];
    private ClassifierStage[] _stages = [];
    private Recording? _recording;

    /// <summary>
    /// Adopts <paramref name="backbone"/>'s layers (the backbone object must not be used or disposed afterwards: its
    /// layers now belong to this model) and replaces its pooling before the head by a global average pool, so that the
    /// pool follows the actual feature map (§7.6: the original hard-codes 8 and 14).
    /// </summary>
    protected AttentionClassifier(string architecture, Classifier backbone) : base(architecture, backbone.InChannels)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        BackboneArchitecture = backbone.Architecture;
        _defaultInputSize = backbone.DefaultInputSize;
        _defaultLayer = backbone.DefaultLayer;
        _headPath = backbone.HeadPath;
        foreach (var (name, module) in backbone.NamedChildren()) RegisterModule(name, module);
        if (backbone.NamedChildren().Any(c => c.Name == "avgpool")) RegisterModule("avgpool", new AdaptiveAvgPool2d(1));
    }

    /// <summary>The explainer name of the built-in map: <c>lfi-cam</c> or <c>abn</c>.</summary>
    public abstract string Method { get; }

    /// <summary>The zoo name of the backbone the branch is attached to (e.g. <c>resnet50</c>).</summary>
    public string BackboneArchitecture { get; }

    /// <summary>Whether <paramref name="path"/> (a parameter or buffer key) belongs to the attention branch rather than the backbone.</summary>
    public bool IsBranchKey(string path) => _branchModules.Any(m => path.StartsWith(m + ".", StringComparison.Ordinal));

    /// <inheritdoc/>
    public override int DefaultInputSize => _defaultInputSize;

    /// <inheritdoc/>
    public override string DefaultLayer => _defaultLayer;

    /// <inheritdoc/>
    public override string HeadPath => _headPath;

    /// <inheritdoc/>
    public override IReadOnlyList<ClassifierStage> Stages => _stages;

    /// <summary>
    /// One forward pass returning the logits, the map at feature resolution and (ABN) the branch logits. Hooks fire as
    /// in <see cref="Module.Call"/> of the stages. Not re-entrant: one call at a time per model.
    /// </summary>
    public AttentionOutput ForwardWithAttention(Tensor input)
    {
        if (_recording is not null) throw new InvalidOperationException($"{Architecture}: ForwardWithAttention is already running on this model");
        var recording = new Recording();
        _recording = recording;
        Tensor logits;
        try
        {
            logits = Forward(input);
        }
        catch
        {
            recording.Dispose();
            throw;
        }
        finally
        {
            _recording = null;
        }
        if (recording.Map is null)
        {
            logits.Dispose();
            recording.Dispose();
            throw new InvalidOperationException($"{Architecture}: the forward pass did not run the attention branch");
        }
        return new AttentionOutput(logits, recording.Map, recording.BranchLogits);
    }

    /// <summary>
    /// The training loss of one forward pass: cross-entropy of <see cref="AttentionOutput.Logits"/> (LFI-CAM §4, no
    /// attention loss); ABN adds the cross-entropy of its branch logits (§3).
    /// </summary>
    public virtual Tensor Loss(AttentionOutput output, Tensor labels, double labelSmoothing = 0)
    {
        ArgumentNullException.ThrowIfNull(output);
        return F.CrossEntropy(output.Logits, labels, labelSmoothing: labelSmoothing);
    }

    /// <summary>Registers a layer of the attention branch (kept apart from the backbone's for <see cref="IsBranchKey"/>).</summary>
    protected T RegisterBranch<T>(string name, T module) where T : Module
    {
        _branchModules.Add(name);
        return RegisterModule(name, module);
    }

    /// <summary>Sets the forward pass (the backbone's stages with the branch inserted).</summary>
    protected void SetStages(IEnumerable<ClassifierStage> stages) => _stages = [.. stages];

    /// <summary>
    /// Hands the branch's map (and branch logits) of the running forward pass to <see cref="ForwardWithAttention"/>;
    /// outside it they are freed. Takes ownership of both.
    /// </summary>
    protected void Record(Tensor map, Tensor? branchLogits)
    {
        if (_recording is { } r && r.Map is null)
        {
            r.Map = map;
            r.BranchLogits = branchLogits;
            return;
        }
        map.Dispose();
        branchLogits?.Dispose();
    }

    /// <summary>Initialises a branch convolution and batch norm as the original code does (§2.3): kaiming normal (fan_out, ReLU), BN 1/0.</summary>
    protected static void InitBranch(Module module)
    {
        foreach (var (_, m) in module.NamedModules())
        {
            // CIFAR's N(0, √(2/(k²·out))) is kaiming_normal_(fan_out, ReLU): the same distribution.
            if (m is Conv2d conv) Init.KaimingNormal_(conv.Weight, mode: Init.FanMode.FanOut, nonlinearity: "relu");
            else if (m is BatchNorm2d bn)
            {
                Init.Ones_(bn.Weight!);
                Init.Zeros_(bn.Bias!);
            }
        }
    }

    /// <summary>The stages of <paramref name="backbone"/> and the index of its last convolutional stage (its CAM layer).</summary>
    /// <exception cref="UnsupportedBackboneException">The backbone has no last stage pooled straight into its head.</exception>
    protected static (List<ClassifierStage> Stages, int LastStage) LastStageOf(Classifier backbone, string method)
    {
        var stages = backbone.Stages.ToList();
        var last = backbone.CamLayer is { } cam ? stages.FindIndex(s => s.IsLayer && s.Name == cam) : -1;
        if (last < 0 || stages.Count != last + 4 || !stages[last + 2].Equals(ClassifierStage.Flatten) || stages[last + 3].Name != backbone.HeadPath)
            throw new UnsupportedBackboneException(method, backbone.Architecture);
        return (stages, last);
    }

    /// <summary>Frees a forward pass's recorded tensors when it fails.</summary>
    private sealed class Recording : IDisposable
    {
        public Tensor? Map { get; set; }

        public Tensor? BranchLogits { get; set; }

        public void Dispose()
        {
            Map?.Dispose();
            BranchLogits?.Dispose();
        }
    }
}

/// <summary>Thrown when an attention branch cannot attach to a backbone (it needs a last convolutional stage pooled straight into the classifier).</summary>
public sealed class UnsupportedBackboneException : ArgumentException
{
    /// <summary>Creates the exception for <paramref name="method"/> (<c>lfi-cam</c>, <c>abn</c>) and the backbone's zoo name.</summary>
    public UnsupportedBackboneException(string method, string backbone)
        : base($"{method} cannot attach to {backbone}: it needs a backbone whose last convolutional stage is pooled straight into the classifier " +
               "(resnet18/34/50/101/152, cifar_resnet<depth>, compact_cnn); VGG and AlexNet have fully connected layers in between")
    {
        Method = method;
        Backbone = backbone;
    }

    /// <summary>The attention method.</summary>
    public string Method { get; }

    /// <summary>The backbone's zoo name.</summary>
    public string Backbone { get; }
}
