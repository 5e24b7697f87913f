namespace Ocular.Vision.Models.Prototypes;

/// <summary>
/// How a <see cref="PrototypeNetwork"/> is trained (reference <c>learnable-visual-words.md</c> §0, §3, §5): the same
/// architecture either way, so that a comparison isolates the losses and the push.
/// </summary>
public enum PrototypeMode
{
    /// <summary>
    /// Learnable Visual Words: words shared across classes — the non-class-specific cluster cost, an unmasked L1 on the
    /// last layer, the attention-guided alignment loss, and a push over every training image.
    /// </summary>
    Lvw,

    /// <summary>
    /// ProtoPNet ("This Looks Like That", Chen et al. 2019): class-specific prototypes — cluster and separation costs
    /// over each image's own class's prototypes, an L1 on the last layer's wrong-class connections, and a push
    /// restricted to the images of each prototype's class.
    /// </summary>
    ProtoPNet,
}
