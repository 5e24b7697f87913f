using Ocular.Torch;

namespace Ocular.Vision.Transforms;

/// <summary>
/// A crop of random area and aspect ratio, resized to a fixed size (torchvision's <c>RandomResizedCrop</c>,
/// the Inception-style training augmentation). Antialiased by default, as <c>antialias=True</c>.
/// </summary>
public sealed class RandomResizedCrop : ITransform
{
    /// <summary>Creates the transform.</summary>
    /// <param name="size">The output size (height, width); a single number means a square.</param>
    /// <param name="scale">The range of the crop's area as a fraction of the image's (default 0.08 to 1).</param>
    /// <param name="ratio">The range of the crop's aspect ratio width/height (default 3/4 to 4/3).</param>
    /// <param name="interpolation">The resize interpolation.</param>
    /// <param name="antialias">Whether bilinear and bicubic downsampling is antialiased.</param>
    public RandomResizedCrop(Pair size, (double Min, double Max)? scale = null, (double Min, double Max)? ratio = null,
        InterpolationMode interpolation = InterpolationMode.Bilinear, bool antialias = true)
    {
        if (size.H <= 0 || size.W <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "the output size must be positive");
        Size = size;
        Scale = scale ?? (0.08, 1.0);
        Ratio = ratio ?? (3.0 / 4.0, 4.0 / 3.0);
        if (!(Scale.Min <= Scale.Max) || Scale.Min < 0) throw new ArgumentException($"scale must be a range (min, max) of non-negative values, got {Scale}", nameof(scale));
        if (!(Ratio.Min <= Ratio.Max) || Ratio.Min <= 0) throw new ArgumentException($"ratio must be a range (min, max) of positive values, got {Ratio}", nameof(ratio));
        Interpolation = interpolation;
        Antialias = antialias;
    }

    /// <summary>The output size (height, width).</summary>
    public Pair Size { get; }

    /// <summary>The range of the crop's relative area.</summary>
    public (double Min, double Max) Scale { get; }

    /// <summary>The range of the crop's aspect ratio (width / height).</summary>
    public (double Min, double Max) Ratio { get; }

    /// <summary>The resize interpolation.</summary>
    public InterpolationMode Interpolation { get; }

    /// <summary>Whether bilinear and bicubic downsampling is antialiased.</summary>
    public bool Antialias { get; }

    /// <summary>
    /// The crop (top, left, height, width), drawn as torchvision 0.14's <c>RandomResizedCrop.get_params</c>: up to
    /// 10 attempts of <c>torch.empty(1).uniform_(scale)</c> (area) and <c>exp(torch.empty(1).uniform_(log ratio))</c>
    /// (aspect), accepting the first crop that fits and drawing its position with <c>torch.randint</c>; else the
    /// central crop of the largest allowed aspect ratio.
    /// </summary>
    public static (long Top, long Left, long Height, long Width) GetParams(long height, long width,
        (double Min, double Max) scale, (double Min, double Max) ratio, Generator? generator = null)
    {
        var area = (double)(height * width);
        // log_ratio = torch.log(torch.tensor(ratio)): float32 values.
        float[] logRatio;
        using (var ratios = Tensor.FromArray(new[] { (float)ratio.Min, (float)ratio.Max }))
        using (var logs = ratios.Log())
            logRatio = logs.ToArray<float>();

        for (var attempt = 0; attempt < 10; attempt++)
        {
            double targetArea, aspectRatio;
            using (var draw = Tensor.Empty([1]).Uniform_(scale.Min, scale.Max, generator))
                targetArea = area * draw.Item<double>();
            using (var draw = Tensor.Empty([1]).Uniform_(logRatio[0], logRatio[1], generator))
            using (var exp = draw.Exp())
                aspectRatio = exp.Item<double>();

            // Python's round() rounds half to even, as Math.Round does.
            var w = (long)Math.Round(Math.Sqrt(targetArea * aspectRatio));
            var h = (long)Math.Round(Math.Sqrt(targetArea / aspectRatio));
            if (0 < w && w <= width && 0 < h && h <= height)
            {
                using var top = Tensor.RandInt(0, height - h + 1, [1], generator);
                using var left = Tensor.RandInt(0, width - w + 1, [1], generator);
                return (top.Item<long>(), left.Item<long>(), h, w);
            }
        }

        // Fallback to the central crop.
        var inRatio = (double)width / height;
        long cw, ch;
        if (inRatio < ratio.Min) (cw, ch) = (width, (long)Math.Round(width / ratio.Min));
        else if (inRatio > ratio.Max) (cw, ch) = ((long)Math.Round(height * ratio.Max), height);
        else (cw, ch) = (width, height);
        return (ImageFunctional.FloorDiv(height - ch, 2), ImageFunctional.FloorDiv(width - cw, 2), ch, cw);
    }

    /// <summary>
    /// The crop that <see cref="Apply"/> takes from an image of <paramref name="height"/>×<paramref name="width"/>: the
    /// same generator draws, so a caller that moves other planes with the image (a sample's masks,
    /// <see cref="Datasets.Sample.ApplyTransform"/>) draws once and crops all of them alike.
    /// </summary>
    public (long Top, long Left, long Height, long Width) DrawCrop(long height, long width, Generator? generator = null) =>
        GetParams(height, width, Scale, Ratio, generator);

    /// <inheritdoc/>
    public Tensor Apply(Tensor image, Generator? generator = null)
    {
        ImageFunctional.CheckImage(image, nameof(RandomResizedCrop));
        var (top, left, h, w) = DrawCrop(image.Size(-2), image.Size(-1), generator);
        return ImageFunctional.ResizedCrop(image, top, left, h, w, Size, Interpolation, Antialias);
    }
}
