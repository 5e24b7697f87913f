using Ocular.Torch;

namespace Ocular.Explain;

/// <summary>
/// Anything that explains a classifier's decision with one saliency map per image: the post-hoc
/// methods (Grad-CAM, Score-CAM, RISE, …) and the learned explainers (L-CAM, …) alike, so that
/// <c>ocular explain</c> and <c>ocular evaluate</c> treat them the same. Create one by name with
/// <see cref="ExplainerRegistry.Create"/>; derive from <see cref="ExplainerBase"/> to share its checks,
/// smoothing and post-processing.
/// </summary>
/// <remarks>
/// The contract every implementation keeps:
/// <list type="bullet">
/// <item>The input is what the model takes: normalised float images [N, C, H, W], and one target class per
/// image (int64 [N]); neither is modified. To explain several classes of one image, repeat the image
/// (<see cref="TargetSelection.Resolve"/> gives the classes image-major).</item>
/// <item>The output is a new float32 tensor [N, H, W] at the input's resolution, on the input's device, owned
/// by the caller: non-negative and min–max normalised per image to [0, 1] with
/// <see cref="SaliencyMaps.Normalize"/> (a constant map is all zeros), unless the method documents otherwise.</item>
/// <item>Images are independent: a batch gives the maps of the images one by one (up to floating-point rounding).</item>
/// <item>Randomness comes from the explainer's seed only (never libtorch's global generator): the same call gives the same maps.
/// An explainer whose maps also depend on the calls before (one generator drawn in order, as <c>random</c>) implements
/// <see cref="SkipImages"/>, so that work split across processes gives every image the map one process gives it.</item>
/// <item>The model is not owned and is not changed (no hooks or gradients left behind).</item>
/// </list>
/// </remarks>
public interface IExplainer : IDisposable
{
    /// <summary>The method's name as the command line spells it (e.g. <c>grad-cam</c>, <c>l-cam</c>).</summary>
    string Name { get; }

    /// <summary>
    /// Saliency maps for <paramref name="images"/> (normalised, [N, C, H, W], the model's input) and
    /// one target class per image (<paramref name="targets"/>, int64 [N]): float32 [N, H, W] at input
    /// resolution, non-negative, min–max normalised per image to [0, 1] unless the method documents otherwise.
    /// </summary>
    Tensor Explain(Tensor images, Tensor targets);

    /// <summary>
    /// The settings that determine the maps (method, layers, score, seed, …), JSON-serialisable values
    /// (strings, numbers, booleans, lists of strings), for the records of <c>explain.json</c> and evaluations.
    /// </summary>
    IReadOnlyDictionary<string, object?> Settings => new Dictionary<string, object?> { ["method"] = Name };

    /// <summary>
    /// Moves past <paramref name="count"/> images of <paramref name="height"/>×<paramref name="width"/> without explaining
    /// them: afterwards the explainer gives the maps it would give had it explained them (and discarded the maps) first.
    /// Sharded evaluation and explanation (docs/distributed.md) call it for the images other ranks explain. The default
    /// does nothing: most explainers' maps do not depend on earlier calls.
    /// </summary>
    void SkipImages(long count, long height, long width) { }
}
