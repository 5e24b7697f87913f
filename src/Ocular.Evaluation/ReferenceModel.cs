using Ocular.Explain;
using Ocular.Torch;
using Ocular.Vision.Models;

namespace Ocular.Evaluation;

/// <summary>
/// A reference method computed on another classifier: e.g. the base classifier's Grad-CAM that Learnable Visual Words'
/// IoU compares its maps with (reference <c>learnable-visual-words.md</c> §6) — each image explained for that
/// classifier's own top-1 class (the rule its alignment targets follow, §8.12), on the same preprocessed images.
/// </summary>
public static class ReferenceModel
{
    /// <summary>
    /// A method source named <c>METHOD@NAME</c> that explains with <paramref name="method"/> on <paramref name="model"/>
    /// (not owned), whatever model the evaluation is of.
    /// </summary>
    /// <exception cref="ArgumentException">The reference classifier expects other images than the evaluated one (size, channels or normalisation).</exception>
    public static MethodSource Source(string method, string name, Classifier model, ClassifierMetadata metadata, ClassifierMetadata evaluated, ExplainerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(evaluated);
        if (metadata.InputSize != evaluated.InputSize || metadata.InChannels != evaluated.InChannels
            || !metadata.Mean.SequenceEqual(evaluated.Mean) || !metadata.Std.SequenceEqual(evaluated.Std))
            throw new ArgumentException($"the reference classifier {name} takes {metadata.InChannels}×{metadata.InputSize}² images normalised with mean " +
                                        $"[{string.Join(", ", metadata.Mean)}], but the evaluated model takes {evaluated.InChannels}×{evaluated.InputSize}² with mean " +
                                        $"[{string.Join(", ", evaluated.Mean)}]: both must see the same pixels");
        ExplainerRegistry.Find(method);
        return MethodSource.Explainer($"{method}@{name}", _ => new OwnPrediction(ExplainerRegistry.Create(method, model, options), model));
    }

    /// <summary>Explains each image for the reference classifier's own top-1 class (the evaluated model's targets are ignored).</summary>
    private sealed class OwnPrediction(IExplainer inner, Classifier model) : IExplainer
    {
        public string Name => inner.Name;

        public IReadOnlyDictionary<string, object?> Settings => new Dictionary<string, object?>(inner.Settings)
        {
            ["model"] = model.Architecture,
            ["target"] = "the reference classifier's top-1",
        };

        public Tensor Explain(Tensor images, Tensor targets)
        {
            using var scope = DisposeScope.Enter();
            Tensor own;
            using (Autograd.NoGrad()) own = model.Call(images).Argmax(1);
            return scope.Keep(inner.Explain(images, own));
        }

        public void SkipImages(long count, long height, long width) => inner.SkipImages(count, height, width);

        public void Dispose() => inner.Dispose();
    }
}
