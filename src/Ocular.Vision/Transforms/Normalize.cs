using Ocular.Torch;

namespace Ocular.Vision.Transforms;

/// <summary>(image − mean) / std per channel, as torchvision's <c>Normalize</c> (floating images only).</summary>
public sealed class Normalize : ITransform
{
    /// <summary>Creates the transform; <paramref name="mean"/> and <paramref name="std"/> have one value per channel (or one for all).</summary>
    public Normalize(double[] mean, double[] std)
    {
        if (mean.Length == 0 || std.Length == 0) throw new ArgumentException("mean and std need at least one value");
        Mean = [.. mean];
        Std = [.. std];
    }

    /// <summary>ImageNet's channel means and standard deviations (torchvision's classification weights).</summary>
    public static Normalize ImageNet() => new([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]);

    /// <summary>The per-channel means.</summary>
    public IReadOnlyList<double> Mean { get; }

    /// <summary>The per-channel standard deviations.</summary>
    public IReadOnlyList<double> Std { get; }

    /// <inheritdoc/>
    public Tensor Apply(Tensor image, Generator? generator = null)
    {
        if (!image.DType.IsFloatingPoint())
            throw new ArgumentException($"Normalize expects a floating image, got {image.DType.TorchName()} (apply ToTensor first)", nameof(image));
        ImageFunctional.CheckImage(image, nameof(Normalize));
        using var scope = DisposeScope.Enter();
        // torch.as_tensor(mean, dtype=img.dtype).view(-1, 1, 1): the values rounded to the image's type.
        var mean = Tensor.FromArray(Mean.ToArray()).To(image.DType, image.Device).View(-1, 1, 1);
        var std = Tensor.FromArray(Std.ToArray()).To(image.DType, image.Device).View(-1, 1, 1);
        if (std.Eq(0).Any().Item<bool>())
            throw new ArgumentException($"std evaluated to zero after conversion to {image.DType.TorchName()}, leading to division by zero");
        return scope.Keep(image.Sub(mean).Div(std));
    }
}
