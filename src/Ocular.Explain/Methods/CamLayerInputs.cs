using Ocular.Torch;

namespace Ocular.Explain.Methods;

/// <summary>
/// What a CAM method sees at one explained layer (all owned by the caller, valid during the call).
/// </summary>
/// <param name="Layer">The layer path.</param>
/// <param name="Images">The normalised input images [N, C, H, W].</param>
/// <param name="Targets">The target class of each image, int64 [N].</param>
/// <param name="Activations">A: the layer's output [N, K, h, w].</param>
/// <param name="Gradients">g = ∂y^c/∂A [N, K, h, w] (each image's own target score), for methods that use gradients; otherwise null.</param>
/// <param name="Logits">The logits [N, classes] of the unperturbed images, for methods that ask for them; otherwise null.</param>
public sealed record CamLayerInputs(string Layer, Tensor Images, Tensor Targets, Tensor Activations, Tensor? Gradients, Tensor? Logits)
{
    /// <summary>The gradients, or an error naming the method that forgot to ask for them.</summary>
    public Tensor RequireGradients => Gradients ?? throw new InvalidOperationException($"no gradients were computed at '{Layer}'");

    /// <summary>The logits, or an error naming the method that forgot to ask for them.</summary>
    public Tensor RequireLogits => Logits ?? throw new InvalidOperationException($"no logits were computed at '{Layer}'");
}
