using Ocular.Torch;
using Ocular.Torch.Nn;

namespace Ocular.Vision.Models;

/// <summary>How a weights file loaded into a classifier.</summary>
/// <param name="Source">The file and what else it held.</param>
/// <param name="Keys">The keys that did not match: missing from the file, unknown to the model, or wrongly shaped (empty when complete). A head left out by <see cref="PyTorchWeights.LoadBackbone"/> is not listed.</param>
/// <param name="LoadedKeys">The number of the model's state-dict entries loaded from the file.</param>
/// <param name="ModelKeys">The number of the model's state-dict entries.</param>
/// <param name="FileNumClasses">The number of classes of the file's head (the rows of its final linear weight), or null when the file has none.</param>
/// <param name="HeadSkipped">
/// True when <see cref="PyTorchWeights.LoadBackbone"/> did not load the head because the file's differs in
/// shape from the model's (or the file has none): the model keeps its own (freshly initialised) head, as
/// fine-tuning on other classes does.
/// </param>
/// <param name="BranchFresh">
/// True when <see cref="PyTorchWeights.LoadBackbone"/> loaded an attention classifier's backbone from a file without its
/// attention branch (a torchvision ResNet): the branch keeps its fresh initialisation.
/// </param>
public sealed record WeightsLoadReport(WeightsSource Source, StateDictReport Keys, int LoadedKeys, int ModelKeys, int? FileNumClasses, bool HeadSkipped,
    bool BranchFresh = false)
{
    /// <summary>True when every key of the model was loaded, apart from a skipped head.</summary>
    public bool IsComplete => Keys.IsExactMatch;

    /// <summary>One line: how many tensors loaded from which file, and whether the head was left out.</summary>
    public override string ToString() =>
        $"loaded {LoadedKeys} of {ModelKeys} tensors from {Source.Path}"
        + (HeadSkipped ? FileNumClasses is { } k ? $"; head replaced ({k} classes in the file)" : "; the file has no head: the model keeps its own" : "")
        + (BranchFresh ? "; the layers added to the backbone (attention branch, or add-on layers and words) are not in the file: they keep their fresh initialisation" : "")
        + (IsComplete ? "" : $"; not loaded: {Keys.Missing.Count} missing, {Keys.Unexpected.Count} unexpected, {Keys.WrongShape.Count} wrongly shaped");
}

/// <summary>A classifier built from a weights file (in evaluation mode) and how its weights loaded.</summary>
/// <param name="Model">The model (the caller owns it).</param>
/// <param name="Report">How the weights loaded.</param>
public sealed record ImportedClassifier(Classifier Model, WeightsLoadReport Report) : IDisposable
{
    /// <summary>Frees the model.</summary>
    public void Dispose() => Model.Dispose();
}

/// <summary>
/// Loads PyTorch weights (<c>torch.save(model.state_dict())</c> files, through the restricted
/// <see cref="Torch.Serialization.PthReader"/>; also Ocular checkpoints and safetensors files, see
/// <see cref="WeightsFile"/>) into zoo classifiers by torchvision's state-dict names. A <c>module.</c>
/// prefix and the usual checkpoint wrappers (<c>state_dict</c>, <c>model</c>, …) are handled by the
/// reader. Loading is strict: a file with missing, unexpected or wrongly shaped keys is refused with
/// <see cref="PartialWeightsException"/>, which lists every one, unless <c>allowPartial</c> asks to
/// load the matching keys anyway (the report then lists what was not loaded).
/// </summary>
/// <example>
/// <code>
/// using var imported = PyTorchWeights.Import("resnet50.pth", "resnet50");   // classes inferred from fc.weight
/// using var model = ModelZoo.Create("resnet50", numClasses: 5);
/// var report = PyTorchWeights.LoadBackbone(model, "resnet50.pth");          // 1000-class head left out
/// </code>
/// </example>
public static class PyTorchWeights
{
    /// <summary>The number of classes a state dict was trained for: the rows of the head's weight (<c>fc.weight</c> [K, F], <c>classifier.6.weight</c>), or null when absent.</summary>
    public static int? InferNumClasses(ArchitectureInfo architecture, IReadOnlyDictionary<string, Tensor> stateDict)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(stateDict);
        return stateDict.TryGetValue(architecture.HeadPath + ".weight", out var w) && w.Dim == 2 ? checked((int)w.Shape[0]) : null;
    }

    /// <summary>The number of input channels of a state dict: dimension 1 of the first convolution's weight (<c>conv1.weight</c> [64, C, 7, 7]), or null when absent.</summary>
    public static int? InferInChannels(ArchitectureInfo architecture, IReadOnlyDictionary<string, Tensor> stateDict)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(stateDict);
        return stateDict.TryGetValue(architecture.FirstConvPath + ".weight", out var w) && w.Dim == 4 ? checked((int)w.Shape[1]) : null;
    }

    /// <summary>
    /// Builds <paramref name="architecture"/> and loads the weights of <paramref name="path"/> into it.
    /// The number of classes and input channels are read from the file's head and first convolution
    /// unless given (the architecture's defaults when the file lacks them). The model is in evaluation mode.
    /// </summary>
    /// <param name="path">A <c>.pth</c> (or <c>.ocular</c>/safetensors) file.</param>
    /// <param name="architecture">A <see cref="ModelZoo"/> name.</param>
    /// <param name="numClasses">The number of classes, or null to infer it.</param>
    /// <param name="inChannels">The input channels, or null to infer them.</param>
    /// <param name="allowPartial">Load the matching keys when others do not match (the report lists them) instead of failing.</param>
    /// <exception cref="UnknownArchitectureException">The architecture is unknown.</exception>
    /// <exception cref="PartialWeightsException">Keys do not match (and <paramref name="allowPartial"/> is false), or none does.</exception>
    public static ImportedClassifier Import(string path, string architecture, int? numClasses = null, int? inChannels = null, bool allowPartial = false)
    {
        var info = ModelZoo.Describe(architecture);
        using var file = WeightsFile.Read(path);
        var classes = numClasses ?? InferNumClasses(info, file.StateDict) ?? info.DefaultNumClasses;
        var channels = inChannels ?? InferInChannels(info, file.StateDict) ?? 3;
        var model = ModelZoo.Create(info.Name, classes, channels);
        try
        {
            var report = Load(model, file, allowPartial, skipMismatchedHead: false);
            model.Eval();
            return new ImportedClassifier(model, report);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Loads the weights of <paramref name="path"/> into <paramref name="model"/>: every key must match, unless <paramref name="allowPartial"/>.</summary>
    /// <exception cref="PartialWeightsException">Keys do not match (and <paramref name="allowPartial"/> is false; nothing is loaded then), or none does.</exception>
    public static WeightsLoadReport LoadInto(Classifier model, string path, bool allowPartial = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var file = WeightsFile.Read(path);
        return Load(model, file, allowPartial, skipMismatchedHead: false);
    }

    /// <summary>
    /// Loads pretrained weights for fine-tuning: everything from <paramref name="path"/> (a <c>.pth</c>
    /// or an Ocular checkpoint) except a head whose shape differs from the model's — another number of
    /// classes — which is left out, so the model keeps its own head (<see cref="WeightsLoadReport.HeadSkipped"/>);
    /// a file without a head (a backbone) leaves the model's head as well. Every other key must match,
    /// unless <paramref name="allowPartial"/>.
    /// </summary>
    /// <exception cref="PartialWeightsException">Keys other than the head do not match (and <paramref name="allowPartial"/> is false; nothing is loaded then), or none does.</exception>
    public static WeightsLoadReport LoadBackbone(Classifier model, string path, bool allowPartial = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var file = WeightsFile.Read(path);
        return Load(model, file, allowPartial, skipMismatchedHead: true);
    }

    /// <summary>Loads an already read <paramref name="file"/> into <paramref name="model"/> (see <see cref="LoadInto"/> and <see cref="LoadBackbone"/>).</summary>
    /// <param name="model">The classifier.</param>
    /// <param name="file">The weights.</param>
    /// <param name="allowPartial">Load the matching keys when others do not match.</param>
    /// <param name="skipMismatchedHead">Leave out the file's head when its shape differs from the model's or it has none (fine-tuning).</param>
    /// <exception cref="PartialWeightsException">Keys do not match (and <paramref name="allowPartial"/> is false; nothing is loaded then), or none does.</exception>
    public static WeightsLoadReport Load(Classifier model, WeightsFile file, bool allowPartial, bool skipMismatchedHead)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(file);
        var own = model.StateDict();
        try
        {
            var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            var sameArchitecture = file.Source.Metadata is { } meta && meta.Architecture == model.Architecture;
            foreach (var (key, tensor) in file.StateDict)
            {
                // An Ocular checkpoint of the same architecture may carry extra tensors (optimizer state): ignored, as ClassifierCheckpoint.Load does.
                if (sameArchitecture && !own.ContainsKey(key)) continue;
                state[key] = tensor;
            }

            var headWeight = model.HeadPath + ".weight";
            var fileClasses = file.ShapeOf(headWeight) is [var k, _] ? checked((int)k) : (int?)null;
            var headKeys = new HashSet<string>(StringComparer.Ordinal);
            if (skipMismatchedHead && (file.ShapeOf(headWeight) is not { } found || !found.SequenceEqual(own[headWeight].Shape)))
            {
                // The model's own head tensors stand in for the file's: copying a tensor onto a view of
                // itself is a no-op (at::copy_ returns early for the same data), so the head stays as it is.
                bool IsHead(string key) => key.StartsWith(model.HeadPath + ".", StringComparison.Ordinal);
                foreach (var key in state.Keys.Where(IsHead).ToList()) state.Remove(key);
                foreach (var key in own.Keys.Where(IsHead))
                {
                    state[key] = own[key];
                    headKeys.Add(key);
                }
            }
            // An attention classifier initialised from its backbone's weights (a torchvision .pth, a zoo checkpoint): the
            // branch the file lacks keeps its fresh initialisation (lfi-cam.md §2.3), as the head does.
            var branchKeys = new HashSet<string>(StringComparer.Ordinal);
            if (skipMismatchedHead && model is Attention.AttentionClassifier attention && !file.StateDict.Keys.Any(attention.IsBranchKey))
                foreach (var key in own.Keys.Where(attention.IsBranchKey))
                {
                    state[key] = own[key];
                    branchKeys.Add(key);
                }
            // A prototype network initialised from its backbone's weights: the file's pooling and classifier layers are not part
            // of the trunk, and the add-on layers and words the file lacks keep their fresh initialisation (reference
            // learnable-visual-words.md §2: an ImageNet backbone).
            if (skipMismatchedHead && model is Prototypes.PrototypeNetwork && !file.StateDict.Keys.Any(Prototypes.PrototypeNetwork.IsAddedKey))
            {
                var children = model.NamedChildren().Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
                foreach (var key in state.Keys.Where(k => !children.Contains(k.Split('.')[0])).ToList()) state.Remove(key);
                foreach (var key in own.Keys.Where(k => Prototypes.PrototypeNetwork.IsAddedKey(k) && !headKeys.Contains(k)))
                {
                    state[key] = own[key];
                    branchKeys.Add(key);
                }
            }
            headKeys.UnionWith(branchKeys);
            // The model's entries the file provides with the right shape (a skipped head and branch not counted).
            int Matching(StateDictReport r) => own.Keys.Count(key => state.ContainsKey(key) && !headKeys.Contains(key)) - r.WrongShape.Count;

            StateDictReport report;
            try
            {
                report = model.LoadStateDict(state, strict: true);
            }
            catch (StateDictMismatchException e)
            {
                var matching = Matching(e.Report);
                if (!allowPartial || matching == 0)
                    throw new PartialWeightsException(file.Source, model.Architecture, e.Report, own.Count, nothingMatches: matching == 0);
                report = model.LoadStateDict(state, strict: false);
            }
            var loaded = Matching(report);
            return new WeightsLoadReport(file.Source, report, loaded, own.Count, fileClasses, headKeys.Count > branchKeys.Count, branchKeys.Count > 0);
        }
        finally
        {
            foreach (var t in own.Values) t.Dispose();
        }
    }
}

/// <summary>
/// Thrown when a weights file does not match a model key for key. The message's first line says how
/// many keys are missing, unexpected or wrongly shaped and that <c>--allow-partial</c> loads the matching
/// keys anyway; the following lines list every one (<see cref="StateDictReport.ToString"/>).
/// </summary>
public sealed class PartialWeightsException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="source">The file.</param>
    /// <param name="architecture">The model's architecture.</param>
    /// <param name="report">Every mismatched key.</param>
    /// <param name="modelKeys">The number of the model's state-dict entries.</param>
    /// <param name="nothingMatches">True when no key of the model matches (partial loading has nothing to load).</param>
    public PartialWeightsException(WeightsSource source, string architecture, StateDictReport report, int modelKeys, bool nothingMatches)
        : base(Summarise(source, architecture, report, modelKeys, nothingMatches) + Environment.NewLine + report)
    {
        Weights = source;
        Report = report;
        Summary = Summarise(source, architecture, report, modelKeys, nothingMatches);
    }

    /// <summary>The file.</summary>
    public WeightsSource Weights { get; }

    /// <summary>Every mismatched key.</summary>
    public StateDictReport Report { get; }

    /// <summary>The first line of the message (without the list of keys).</summary>
    public string Summary { get; }

    private static string Summarise(WeightsSource source, string architecture, StateDictReport report, int modelKeys, bool nothingMatches)
    {
        var counts = $"{report.Missing.Count} missing, {report.Unexpected.Count} unexpected, {report.WrongShape.Count} wrongly shaped of {modelKeys} keys";
        var other = source.Metadata is { } m && m.Architecture != architecture ? $" (it is a {m.Architecture} checkpoint)" : "";
        return nothingMatches
            ? $"{source.Path}: none of the weights match {architecture}{other} ({counts}); nothing to load"
            : $"{source.Path}: the weights do not match {architecture}{other} ({counts}); --allow-partial loads the matching keys anyway";
    }
}
