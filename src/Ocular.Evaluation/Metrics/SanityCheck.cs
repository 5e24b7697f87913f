using Ocular.Explain;
using Ocular.Torch;
using Ocular.Torch.Nn;
using Ocular.Vision.Data;
using Ocular.Vision.Models;
using Ocular.Vision.Models.TorchScript;

namespace Ocular.Evaluation.Metrics;

/// <summary>
/// Sanity check by cascading model-parameter randomisation (Adebayo et al., "Sanity Checks for Saliency
/// Maps", NeurIPS 2018; Quantus's <c>MPRT</c>): the layers are re-initialised one after the other from
/// the head downwards, cumulatively, and after each step the maps are recomputed on the randomised model
/// and compared with the trained model's maps by Spearman's rank correlation (<see cref="RankCorrelation"/>,
/// average ranks for ties). A method whose maps depend on the model decorrelates (ρ falls towards 0);
/// a method that ignores the model (an edge detector, a centre prior) keeps ρ = 1. Lower is better.
/// </summary>
/// <remarks>
/// <para><b>Layers</b> (<see cref="CascadeLayers"/>): the model's forward stages, each Sequential stage
/// replaced by its children recursively (the paths <see cref="Classifier.SplitPoints"/> lists), keeping
/// those that own parameters, in reverse forward order: <c>fc, layer4.2, …, layer1.0, bn1, conv1</c> for
/// a ResNet (a residual block is one layer), <c>classifier.6, …, features.0</c> for a VGG,
/// <c>fc, block4.1, block4.0, …, block1.0</c> for the compact CNN.</para>
/// <para><b>Re-initialisation</b>: every module inside the layer is reset as PyTorch's
/// <c>reset_parameters</c> does (Quantus calls it too): Conv2d and Linear draw Kaiming-uniform weights
/// (a = √5) and U(±1/√fan_in) biases; batch norm resets to γ = 1, β = 0, running mean 0 and variance 1.
/// Other modules with parameters get Kaiming-uniform (a = √5) for parameters of two or more dimensions
/// and zeros for vectors. Layer k of the cascade draws from a generator seeded with
/// <c>Seeds.Derive(seed, k)</c>. Earlier (higher) layers stay randomised: the cascade is cumulative.</para>
/// <para><b>Targets and maps</b>: the randomised models explain the same classes as the trained one (the
/// classes the caller passes, normally the trained model's predictions), with a fresh explainer built by
/// the factory for each randomised model. The trained model is never modified: the cascade runs on a copy
/// (the same architecture from <see cref="ModelZoo"/>, loaded with the trained state dict; building it
/// draws from libtorch's global generator).</para>
/// </remarks>
public static class SanityCheck
{
    /// <summary>One step of the cascade.</summary>
    /// <param name="Layer">The layer randomised last (every layer above it is randomised too).</param>
    /// <param name="PerImage">ρ per image (NaN where a map is constant).</param>
    /// <param name="Mean">Mean ρ over the images with a defined ρ (NaN if none).</param>
    public sealed record LayerResult(string Layer, double[] PerImage, double Mean);

    /// <summary>The cascade's correlations, top layer first.</summary>
    /// <param name="Layers">One entry per cascade step.</param>
    public sealed record Result(IReadOnlyList<LayerResult> Layers)
    {
        /// <summary>The mean over the cascade of the per-layer mean ρ (the summary Ocular reports; NaN layers skipped).</summary>
        public double MeanOverLayers => Layers.Select(l => l.Mean).Where(v => !double.IsNaN(v)).DefaultIfEmpty(double.NaN).Average();

        /// <summary>Per image: the mean over the cascade of its ρ (NaN layers skipped).</summary>
        public double[] PerImageMean => Layers.Count == 0 ? [] : Enumerable.Range(0, Layers[0].PerImage.Length)
            .Select(i => Layers.Select(l => l.PerImage[i]).Where(v => !double.IsNaN(v)).DefaultIfEmpty(double.NaN).Average()).ToArray();
    }

    /// <summary>The layers of the cascade, top (head) first; see the remarks.</summary>
    public static IReadOnlyList<string> CascadeLayers(Classifier model)
    {
        var layers = new List<string>();
        void Add(string path)
        {
            var module = model.GetSubmodule(path);
            if (module is Sequential or ScriptLayer { ClassName: "Sequential" })
                foreach (var (name, _) in module.NamedChildren()) Add(path + "." + name);
            else if (module.Parameters().Any()) layers.Add(path);
        }
        // A TorchScript model's top-level modules in the order its forward pass calls them; a zoo model's stages.
        var roots = model is TorchScriptClassifier ? model.SplitPoints.Where(p => !p.Contains('.')) : model.Stages.Where(s => s.IsLayer).Select(s => s.Name);
        foreach (var root in roots) Add(root);
        layers.Reverse();
        return layers;
    }

    /// <summary>Runs the cascade.</summary>
    /// <param name="model">The trained classifier (left unchanged).</param>
    /// <param name="explainer">Builds the method's explainer for a model (called once per randomised model, and once for the trained model unless <paramref name="originalMaps"/> is given).</param>
    /// <param name="images">Normalised images [N, C, H, W] (the model's input).</param>
    /// <param name="targets">The class explained in every image, int64 [N].</param>
    /// <param name="seed">Seeds the re-initialisation.</param>
    /// <param name="originalMaps">The trained model's maps [N, H, W], when already computed.</param>
    /// <param name="layers">The cascade (default <see cref="CascadeLayers"/>); a prefix stops early.</param>
    /// <param name="batchSize">Images per explainer call.</param>
    /// <param name="progress">Called after each layer with (layers done, layers in all).</param>
    public static Result Evaluate(Classifier model, Func<Classifier, IExplainer> explainer, Tensor images, Tensor targets, ulong seed = 0,
        Tensor? originalMaps = null, IReadOnlyList<string>? layers = null, int batchSize = 32, Action<int, int>? progress = null) =>
        new([.. EvaluateSteps(model, explainer, images, targets, _ => true, seed, originalMaps, layers, batchSize, progress).Select(s => s.Result)]);

    /// <summary>
    /// Runs the steps of the cascade that <paramref name="computes"/> selects (by index, the top layer's step 0). Each is
    /// computed exactly as <see cref="Evaluate"/> computes it — every layer above it re-initialised first, each from its
    /// own generator, so skipping a step's maps changes no other step — and steps computed by different processes make up
    /// Evaluate's result (sharded evaluation deals them out, docs/distributed.md).
    /// </summary>
    /// <returns>The computed steps, in cascade order, with their indices.</returns>
    public static IReadOnlyList<(int Step, LayerResult Result)> EvaluateSteps(Classifier model, Func<Classifier, IExplainer> explainer, Tensor images, Tensor targets,
        Func<int, bool> computes, ulong seed = 0, Tensor? originalMaps = null, IReadOnlyList<string>? layers = null, int batchSize = 32, Action<int, int>? progress = null)
    {
        if (images.Dim != 4) throw new ArgumentException($"images must be [N, C, H, W], got shape {Tensor.ShapeString(images.Shape)}", nameof(images));
        if (targets.Dim != 1 || targets.Size(0) != images.Size(0))
            throw new ArgumentException($"one target per image expected ([{images.Size(0)}]), got shape {Tensor.ShapeString(targets.Shape)}", nameof(targets));
        var cascade = layers ?? CascadeLayers(model);
        foreach (var layer in cascade) model.GetSubmodule(layer);    // unknown paths fail before any work
        var last = Enumerable.Range(0, cascade.Count).LastOrDefault(computes, -1);
        if (last < 0) return [];

        using var original = originalMaps is null ? Explain(explainer, model, images, targets, batchSize) : originalMaps.Alias();
        using var copy = Copy(model);
        var results = new List<(int, LayerResult)>();
        for (var k = 0; k <= last; k++)
        {
            using (var generator = new Generator(Seeds.Derive(seed, (ulong)k)))
                Randomize(copy.GetSubmodule(cascade[k]), generator);
            if (!computes(k)) continue;
            using var maps = Explain(explainer, copy, images, targets, batchSize);
            if (!maps.Shape.SequenceEqual(original.Shape))
                throw new InvalidOperationException($"the explainer returned maps {Tensor.ShapeString(maps.Shape)} on the randomised model but {Tensor.ShapeString(original.Shape)} on the trained one");
            using var rho = RankCorrelation.Spearman(original, maps);
            var perImage = rho.ToArray<double>();
            var valid = perImage.Where(v => !double.IsNaN(v)).ToList();
            results.Add((k, new LayerResult(cascade[k], perImage, valid.Count == 0 ? double.NaN : valid.Average())));
            progress?.Invoke(k + 1, cascade.Count);
        }
        return results;
    }

    /// <summary>Re-initialises every module inside <paramref name="layer"/> (itself included) as described in the remarks.</summary>
    public static void Randomize(Module layer, Generator generator)
    {
        using var _ = Autograd.NoGrad();
        foreach (var (_, module) in layer.NamedModules())
        {
            switch (module)
            {
                case Conv2d conv:
                    conv.ResetParameters(generator);
                    break;
                case Linear linear:
                    linear.ResetParameters(generator);
                    break;
                case ScriptLayer { ClassName: "Conv1d" or "Conv2d" or "Conv3d" } conv:
                    // nn.Conv's reset_parameters, on the TorchScript model's own tensors (the mirror aliases them).
                    var weight = conv.NamedParameters(recurse: false).First(p => p.Path == "weight").Parameter;
                    Init.KaimingUniform_(weight, a: Math.Sqrt(5), generator: generator);
                    if (conv.NamedParameters(recurse: false).FirstOrDefault(p => p.Path == "bias").Parameter is { } convBias)
                    {
                        var (fanIn, _) = Init.CalculateFanInAndFanOut(weight);
                        if (fanIn != 0) Init.Uniform_(convBias, -1 / Math.Sqrt(fanIn), 1 / Math.Sqrt(fanIn), generator);
                    }
                    break;
                case ScriptLayer { ClassName: "BatchNorm1d" or "BatchNorm2d" or "BatchNorm3d" } scriptBn:
                    foreach (var (name, t) in scriptBn.NamedBuffers(recurse: false))
                    {
                        if (name == "running_var") t.Fill_(1);
                        else t.Zero_();
                    }
                    foreach (var (name, p) in scriptBn.NamedParameters(recurse: false))
                    {
                        if (name == "weight") p.Fill_(1);
                        else p.Zero_();
                    }
                    break;
                case BatchNormBase bn:
                    // nn.BatchNorm's reset_parameters: reset_running_stats(), then γ = 1, β = 0.
                    bn.RunningMean?.Zero_();
                    bn.RunningVar?.Fill_(1);
                    bn.NumBatchesTracked?.Zero_();
                    bn.Weight?.Fill_(1);
                    bn.Bias?.Zero_();
                    break;
                default:
                    foreach (var p in module.Parameters(recurse: false))
                    {
                        if (p.Dim >= 2) Init.KaimingUniform_(p, a: Math.Sqrt(5), generator: generator);
                        else p.Zero_();
                    }
                    break;
            }
        }
    }

    // The same architecture with the trained weights, in evaluation mode, on the model's device.
    private static Classifier Copy(Classifier model)
    {
        if (model is TorchScriptClassifier script)
        {
            var clone = script.Clone();
            clone.RandomisedFromWeightsHash = ClassifierCheckpoint.WeightsHash(model);
            return clone;
        }
        var copy = ModelZoo.Create(model.Architecture, model.NumClasses, model.InChannels);
        try
        {
            var device = model.Parameters().First().Device;
            if (device != Device.Cpu) copy.To(device);
            var state = model.StateDict();
            try
            {
                copy.LoadStateDict(state, strict: true);
            }
            finally
            {
                foreach (var t in state.Values) t.Dispose();
            }
            copy.Eval();
            copy.RandomisedFromWeightsHash = ClassifierCheckpoint.WeightsHash(model);
            return copy;
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }

    private static Tensor Explain(Func<Classifier, IExplainer> factory, Classifier model, Tensor images, Tensor targets, int batchSize)
    {
        using var explainer = factory(model);
        return SaliencyMaps.Explain(explainer, images, targets, batchSize);
    }
}
