using Ocular.Torch;

namespace Ocular.Evaluation.Metrics;

/// <summary>
/// Average Drop (Grad-CAM++ paper; L-CAM protocol): AD = (100/N) Σ max(0, Y_i − O_i)/Y_i, lower is better.
/// Convention: relative drop (divided by Y), softmax probabilities, class = top-1 on the clean image,
/// masks kept soft in raw [0, 1] space (see <see cref="ConfidenceChange"/>), mean over images in percent.
/// pytorch-grad-cam's <c>DropInConfidence</c> is the absolute drop instead.
/// </summary>
public static class AverageDrop
{
    /// <summary>Per-image relative drops max(0, Y − O)/Y, in percent.</summary>
    public static float[] PerImage(float[] clean, float[] masked)
    {
        using var scope = DisposeScope.Enter();
        var y = Tensor.FromArray(clean);
        var o = Tensor.FromArray(masked);
        return y.Sub(o).ClampMin(0).Div(y).Mul(100).ToArray<float>();
    }

    /// <summary>AD over the images, in percent.</summary>
    public static double Compute(float[] clean, float[] masked) => PerImage(clean, masked).Average();
}
