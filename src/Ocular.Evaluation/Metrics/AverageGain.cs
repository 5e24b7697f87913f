using Ocular.Torch;

namespace Ocular.Evaluation.Metrics;

/// <summary>
/// Average Gain (Opti-CAM, Zhang et al. 2024): AG = (100/N) Σ max(0, O_i − Y_i)/(1 − Y_i), higher is
/// better; it complements AD, which an all-ones map trivially minimises. Same conventions as
/// <see cref="AverageDrop"/>; an image with Y = 1 contributes 0.
/// </summary>
public static class AverageGain
{
    /// <summary>Per-image relative gains, in percent.</summary>
    public static float[] PerImage(float[] clean, float[] masked)
    {
        using var scope = DisposeScope.Enter();
        var y = Tensor.FromArray(clean);
        var o = Tensor.FromArray(masked);
        var room = y.Neg().Add(1);
        var ratio = o.Sub(y).ClampMin(0).Div(room);
        return Tensor.Where(room.Gt(0), ratio, 0.0).Mul(100).ToArray<float>();
    }

    /// <summary>AG over the images, in percent.</summary>
    public static double Compute(float[] clean, float[] masked) => PerImage(clean, masked).Average();
}
