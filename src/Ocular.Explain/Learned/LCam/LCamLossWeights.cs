namespace Ocular.Explain.Learned.LCam;

/// <summary>
/// The coefficients of the L-CAM loss L = λ3·CE + λ2·mean((A + offset)^λ4) + λ1·TV(A) (reference l-cam.md §3;
/// names from TAME's <c>composite_models.py</c>). The defaults are the reference's.
/// </summary>
/// <param name="CrossEntropy">λ3, the cross-entropy coefficient (1.5).</param>
/// <param name="Area">λ2, the area coefficient (2).</param>
/// <param name="Smoothness">λ1, the total-variation coefficient (0.01).</param>
/// <param name="AreaExponent">λ4, the area exponent (0.3).</param>
/// <param name="AreaOffset">The offset that keeps the gradient of x^λ4 finite at 0 (0.0005).</param>
public sealed record LCamLossWeights(double CrossEntropy = 1.5, double Area = 2, double Smoothness = 0.01, double AreaExponent = 0.3, double AreaOffset = 0.0005)
{
    /// <summary>The reference values.</summary>
    public static LCamLossWeights Reference { get; } = new();

    /// <summary>Checks the values; the message names the bad one.</summary>
    public void Validate()
    {
        if (!(CrossEntropy >= 0 && Area >= 0 && Smoothness >= 0)) throw new ArgumentException($"the loss coefficients must not be negative (CE {CrossEntropy}, area {Area}, TV {Smoothness})");
        if (!(AreaExponent > 0)) throw new ArgumentException($"the area exponent must be positive, got {AreaExponent}");
        if (!(AreaOffset >= 0)) throw new ArgumentException($"the area offset must not be negative, got {AreaOffset}");
    }
}
