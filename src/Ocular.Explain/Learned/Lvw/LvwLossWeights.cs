namespace Ocular.Explain.Learned.Lvw;

/// <summary>
/// The weights of the training loss L = CE + cluster·Cluster + separation·Separation + l1·L1 + align·Align
/// (reference <c>learnable-visual-words.md</c> §3; <c>settings.py</c>'s <c>coefs</c> and the hard-coded 10).
/// </summary>
/// <param name="CrossEntropy">The cross-entropy's weight (1).</param>
/// <param name="Cluster">The cluster cost's weight (0.8).</param>
/// <param name="Separation">The separation cost's weight: −0.08 for ProtoPNet; 0 for LVW, whose code defines it but never uses it (§3, defect 4).</param>
/// <param name="L1">The last layer's L1 weight (1e-4).</param>
/// <param name="Align">The alignment loss's weight: 10 for LVW; 0 for ProtoPNet, which has none.</param>
public sealed record LvwLossWeights(double CrossEntropy, double Cluster, double Separation, double L1, double Align)
{
    /// <summary>Learnable Visual Words' weights: 1, 0.8, 0, 1e-4, 10.</summary>
    public static LvwLossWeights Lvw { get; } = new(1, 0.8, 0, 1e-4, 10);

    /// <summary>ProtoPNet's weights: 1, 0.8, −0.08, 1e-4, 0.</summary>
    public static LvwLossWeights ProtoPNet { get; } = new(1, 0.8, -0.08, 1e-4, 0);
}
