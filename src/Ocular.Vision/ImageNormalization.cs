using Ocular.Torch;

namespace Ocular.Vision;

/// <summary>
/// Per-channel normalisation (x − mean)/std of raw [0, 1] images, as torchvision's <c>Normalize</c>.
/// Explanation metrics mask raw images and then normalise with this, so it is one shared definition.
/// </summary>
/// <param name="Mean">Per-channel means.</param>
/// <param name="Std">Per-channel standard deviations.</param>
public sealed record ImageNormalization(float[] Mean, float[] Std)
{
    /// <summary>ImageNet's statistics, used by torchvision's pretrained models and the seeds.</summary>
    public static ImageNormalization ImageNet { get; } = new([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);

    /// <summary>No normalisation (mean 0, std 1) for <paramref name="channels"/> channels.</summary>
    public static ImageNormalization Identity(int channels) =>
        new(Enumerable.Repeat(0f, channels).ToArray(), Enumerable.Repeat(1f, channels).ToArray());

    /// <summary>The number of channels.</summary>
    public int Channels => Mean.Length;

    /// <summary>Normalises [C, H, W] or [N, C, H, W] raw images (float).</summary>
    public Tensor Apply(Tensor raw)
    {
        if (Mean.Length != Std.Length) throw new InvalidOperationException($"normalisation has {Mean.Length} means but {Std.Length} standard deviations");
        var channelDim = raw.Dim == 4 ? 1 : raw.Dim == 3 ? 0 : throw new ArgumentException($"expected [C, H, W] or [N, C, H, W] images, got shape {Tensor.ShapeString(raw.Shape)}");
        if (raw.Size(channelDim) != Channels)
            throw new ArgumentException($"images have {raw.Size(channelDim)} channels but the normalisation has {Channels}");
        long[] shape = raw.Dim == 4 ? [1, Channels, 1, 1] : [Channels, 1, 1];
        using var meanCpu = Tensor.FromArray(Mean, shape);
        using var stdCpu = Tensor.FromArray(Std, shape);
        using var mean = meanCpu.To(raw.DType, raw.Device);
        using var std = stdCpu.To(raw.DType, raw.Device);
        using var centred = raw.Sub(mean);
        return centred.Div(std);
    }
}
