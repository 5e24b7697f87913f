using Ocular.Torch;

namespace Ocular.Evaluation.Metrics;

/// <summary>
/// Increase in Confidence (Grad-CAM++ paper): IC = (100/N) Σ 1[O_i &gt; Y_i] with a strict inequality,
/// higher is better; same conventions as <see cref="AverageDrop"/>.
/// </summary>
public static class IncreaseInConfidence
{
    /// <summary>Per-image indicators 1[O &gt; Y] as 0 or 100.</summary>
    public static float[] PerImage(float[] clean, float[] masked)
    {
        using var scope = DisposeScope.Enter();
        var y = Tensor.FromArray(clean);
        var o = Tensor.FromArray(masked);
        return o.Gt(y).To(ScalarType.Float32).Mul(100).ToArray<float>();
    }

    /// <summary>IC over the images, in percent.</summary>
    public static double Compute(float[] clean, float[] masked) => PerImage(clean, masked).Average();
}
