using Ocular.Torch;

namespace Ocular.Vision.Models.Attention;

/// <summary>
/// What a classifier with a built-in attention map returns from one forward pass
/// (<see cref="AttentionClassifier.ForwardWithAttention"/>): the logits the classifier is judged by, the
/// class-agnostic map at feature resolution, and — for ABN — the attention branch's own logits. Owns its tensors.
/// </summary>
/// <param name="Logits">[N, classes]: LFI-CAM's logits, ABN's perception-branch logits.</param>
/// <param name="Map">[N, 1, h, w]: LFI-CAM's min–max-normalised map (lfi-cam.md §2.2 step 4), ABN's sigmoid map (§3).</param>
/// <param name="BranchLogits">[N, classes]: ABN's attention-branch logits; null for LFI-CAM.</param>
public sealed record AttentionOutput(Tensor Logits, Tensor Map, Tensor? BranchLogits) : IDisposable
{
    /// <summary>Frees the tensors.</summary>
    public void Dispose()
    {
        Logits.Dispose();
        Map.Dispose();
        BranchLogits?.Dispose();
    }
}
