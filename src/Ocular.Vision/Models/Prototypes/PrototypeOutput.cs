using Ocular.Torch;

namespace Ocular.Vision.Models.Prototypes;

/// <summary>
/// One forward pass of a <see cref="PrototypeNetwork"/> (reference <c>learnable-visual-words.md</c> §2; defect §8.5: a
/// named record instead of a 4-tuple). Owns its tensors.
/// </summary>
/// <param name="Logits">The last layer's output [N, K].</param>
/// <param name="MinDistances">Each word's smallest squared distance to a latent patch [N, P].</param>
/// <param name="WordScores">log((d + 1)/(d + 1e-4)) of <paramref name="MinDistances"/> [N, P] (the last layer's input).</param>
/// <param name="ActivationMaps">The same similarity at every latent position [N, P, h, w].</param>
public sealed record PrototypeOutput(Tensor Logits, Tensor MinDistances, Tensor WordScores, Tensor ActivationMaps) : IDisposable
{
    /// <summary>Frees the tensors.</summary>
    public void Dispose()
    {
        Logits.Dispose();
        MinDistances.Dispose();
        WordScores.Dispose();
        ActivationMaps.Dispose();
    }
}
