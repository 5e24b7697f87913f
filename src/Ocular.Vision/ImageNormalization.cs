using Ocular.Torch;

namespace Ocular.Vision;

/// <summary>
/// Per-channel normalisation (x − mean)/std of floating images, with torchvision's <c>Normalize</c>
/// semantics (the statistics are rounded to the image's type; one value may serve every channel).
/// The one definition used by the <see cref="Transforms.Normalize"/> transform, checkpoints and the
/// explanation metrics, which mask raw [0, 1] images and then normalise with this.
/// </summary>
/// <param name="Mean">Per-channel means (or one value for all channels).</param>
/// <param name="Std">Per-channel standard deviations (or one value).</param>
public sealed record ImageNormalization(double[] Mean, double[] Std)
{
    /// <summary>ImageNet's statistics, used by torchvision's pretrained models and the seeds.</summary>
    public static ImageNormalization ImageNet { get; } = new([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]);

    /// <summary>No normalisation (mean 0, std 1).</summary>
    public static ImageNormalization Identity { get; } = new([0.0], [1.0]);

    /// <summary>Normalises floating [C, H, W] or [N, C, H, W] images.</summary>
    public Tensor Apply(Tensor images)
    {
        if (Mean.Length == 0 || Mean.Length != Std.Length)
            throw new InvalidOperationException($"normalisation needs as many means as standard deviations (at least one), got {Mean.Length} and {Std.Length}");
        if (!images.DType.IsFloatingPoint())
            throw new ArgumentException($"normalisation expects floating images, got {images.DType.TorchName()} (convert with ToTensor first)");
        if (images.Dim is not (3 or 4))
            throw new ArgumentException($"expected [C, H, W] or [N, C, H, W] images, got shape {Tensor.ShapeString(images.Shape)}");
        var channels = images.Size(images.Dim - 3);
        if (Mean.Length != 1 && Mean.Length != channels)
            throw new ArgumentException($"images have {channels} channels but the normalisation has {Mean.Length} values");
        using var scope = DisposeScope.Enter();
        // torch.as_tensor(mean, dtype=img.dtype).view(-1, 1, 1): the values rounded to the image's type.
        var mean = Tensor.FromArray(Mean).To(images.DType, images.Device).View(-1, 1, 1);
        var std = Tensor.FromArray(Std).To(images.DType, images.Device).View(-1, 1, 1);
        if (std.Eq(0).Any().Item<bool>())
            throw new ArgumentException($"std evaluated to zero after conversion to {images.DType.TorchName()}, leading to division by zero");
        return scope.Keep(images.Sub(mean).Div(std));
    }
}
