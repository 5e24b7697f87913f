using Ocular.Torch;
using F = Ocular.Torch.Functional;

namespace Ocular.Vision.Transforms;

/// <summary>
/// torchvision's functional transforms on tensors (<c>torchvision.transforms.functional</c>, tensor path of
/// 0.14), for images [C, H, W] or batches [N, C, H, W], uint8 or floating. Every function returns a new
/// tensor object owned by the caller; crops are views of their input, as in torchvision.
/// </summary>
public static class ImageFunctional
{
    /// <summary>
    /// The output size of a short-side resize, as torchvision's <c>_compute_resized_output_size</c>: the shorter
    /// edge becomes <paramref name="size"/>, the longer one <c>int(size · long / short)</c>; when that exceeds
    /// <paramref name="maxSize"/> the longer edge becomes <paramref name="maxSize"/> instead.
    /// </summary>
    public static Pair ResizedOutputSize(long height, long width, long size, long? maxSize = null)
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "the size must be positive");
        var (shortSide, longSide) = width <= height ? (width, height) : (height, width);
        long newShort = size, newLong = (long)((double)(size * longSide) / shortSide); // Python: int(size * long / short)
        if (maxSize is { } max)
        {
            if (max <= size)
                throw new ArgumentOutOfRangeException(nameof(maxSize), max, $"max_size must be strictly greater than the requested size for the smaller edge ({size})");
            if (newLong > max) (newShort, newLong) = ((long)((double)(max * newShort) / newLong), max);
        }
        return width <= height ? new Pair(newLong, newShort) : new Pair(newShort, newLong);
    }

    /// <summary>
    /// Resizes to exactly <paramref name="size"/> (height, width) as torchvision's tensor <c>resize</c>: integer
    /// images are converted to float32, interpolated (<c>align_corners=False</c>, antialiased when asked and the
    /// mode is bilinear or bicubic), clamped to [0, 255] for bicubic uint8, rounded and converted back.
    /// An image already of that size is returned as an alias.
    /// </summary>
    public static Tensor Resize(Tensor image, Pair size, InterpolationMode interpolation = InterpolationMode.Bilinear, bool antialias = true)
    {
        CheckImage(image, nameof(Resize));
        if (size.H <= 0 || size.W <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "the output size must be positive");
        if (image.Size(-2) == size.H && image.Size(-1) == size.W) return image.Alias();

        using var scope = DisposeScope.Enter();
        var outType = image.DType;
        var cast = outType is not (ScalarType.Float32 or ScalarType.Float64);
        var x = image.Dim == 3 ? image.Unsqueeze(0) : image;
        if (cast) x = x.To(ScalarType.Float32);
        var smooth = interpolation is InterpolationMode.Bilinear or InterpolationMode.Bicubic;
        var y = F.Interpolate(x, size, mode: interpolation, alignCorners: smooth ? false : null, antialias: antialias && smooth);
        if (interpolation == InterpolationMode.Bicubic && outType == ScalarType.UInt8) y = y.Clamp(0, 255);
        if (image.Dim == 3) y = y.Squeeze(0);
        if (cast)
        {
            if (!outType.IsFloatingPoint()) y = y.Round(); // "it is better to round before cast"
            y = y.To(outType);
        }
        return scope.Keep(y);
    }

    /// <summary>Resizes so that the shorter edge is <paramref name="size"/> (see <see cref="ResizedOutputSize"/>).</summary>
    public static Tensor ResizeShortSide(Tensor image, long size, long? maxSize = null, InterpolationMode interpolation = InterpolationMode.Bilinear, bool antialias = true)
    {
        CheckImage(image, nameof(ResizeShortSide));
        return Resize(image, ResizedOutputSize(image.Size(-2), image.Size(-1), size, maxSize), interpolation, antialias);
    }

    /// <summary>
    /// The region of <paramref name="height"/> × <paramref name="width"/> pixels at (<paramref name="top"/>,
    /// <paramref name="left"/>); parts outside the image are zero-padded, as torchvision's <c>crop</c>.
    /// </summary>
    public static Tensor Crop(Tensor image, long top, long left, long height, long width)
    {
        CheckImage(image, nameof(Crop));
        long h = image.Size(-2), w = image.Size(-1), right = left + width, bottom = top + height;
        var hDim = image.Dim - 2;
        if (left >= 0 && top >= 0 && right <= w && bottom <= h)
        {
            using var rows = image.Slice(hDim, top, bottom);
            return rows.Slice(hDim + 1, left, right);
        }
        using var scope = DisposeScope.Enter();
        var inside = image.Slice(hDim, Math.Max(top, 0), bottom).Slice(hDim + 1, Math.Max(left, 0), right);
        var padding = new Padding(
            Math.Max(-left + Math.Min(0, right), 0), Math.Max(-top + Math.Min(0, bottom), 0),
            Math.Max(right - Math.Max(w, left), 0), Math.Max(bottom - Math.Max(h, top), 0));
        return scope.Keep(Pad(inside, padding));
    }

    /// <summary>
    /// The central <paramref name="size"/> region (top/left offsets rounded half to even, as Python's round);
    /// an image smaller than the crop is first zero-padded, as torchvision's <c>center_crop</c>.
    /// </summary>
    public static Tensor CenterCrop(Tensor image, Pair size)
    {
        CheckImage(image, nameof(CenterCrop));
        if (size.H <= 0 || size.W <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "the crop size must be positive");
        using var scope = DisposeScope.Enter();
        var img = image;
        long h = image.Size(-2), w = image.Size(-1);
        if (size.W > w || size.H > h)
        {
            var padding = new Padding(
                size.W > w ? (size.W - w) / 2 : 0, size.H > h ? (size.H - h) / 2 : 0,
                size.W > w ? (size.W - w + 1) / 2 : 0, size.H > h ? (size.H - h + 1) / 2 : 0);
            img = Pad(img, padding);
            (h, w) = (img.Size(-2), img.Size(-1));
            if (size.W == w && size.H == h) return scope.Keep(img);
        }
        var top = (long)Math.Round((h - size.H) / 2.0);
        var left = (long)Math.Round((w - size.W) / 2.0);
        return scope.Keep(Crop(img, top, left, size.H, size.W));
    }

    /// <summary>
    /// Pads the borders as torchvision's <c>pad</c>: constant <paramref name="fill"/>, edge, reflect (integer
    /// images go through float32, as torchvision does) or symmetric.
    /// </summary>
    public static Tensor Pad(Tensor image, Padding padding, double fill = 0, PaddingMode mode = PaddingMode.Constant)
    {
        CheckImage(image, nameof(Pad));
        if (padding.Left < 0 || padding.Top < 0 || padding.Right < 0 || padding.Bottom < 0)
            throw new ArgumentOutOfRangeException(nameof(padding), padding, "padding must not be negative");
        if (mode == PaddingMode.Symmetric) return PadSymmetric(image, padding);

        using var scope = DisposeScope.Enter();
        long[] pad = [padding.Left, padding.Right, padding.Top, padding.Bottom];
        var x = image.Dim < 4 ? image.Unsqueeze(0) : image;
        var cast = mode != PaddingMode.Constant && x.DType is not (ScalarType.Float32 or ScalarType.Float64);
        if (cast) x = x.To(ScalarType.Float32);
        var y = mode switch
        {
            PaddingMode.Constant => F.Pad(x, pad, "constant", fill),
            PaddingMode.Edge => F.Pad(x, pad, "replicate"),
            PaddingMode.Reflect => F.Pad(x, pad, "reflect"),
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown padding mode"),
        };
        if (image.Dim < 4) y = y.Squeeze(0);
        if (cast) y = y.To(image.DType);
        return scope.Keep(y);
    }

    // torchvision's _pad_symmetric: index lists [p−1 … 0] + [0 … n−1] + [n−1 … n−p] along each axis.
    private static Tensor PadSymmetric(Tensor image, Padding padding)
    {
        long h = image.Size(-2), w = image.Size(-1);
        if (padding.Left > w || padding.Right > w || padding.Top > h || padding.Bottom > h)
            throw new ArgumentOutOfRangeException(nameof(padding), padding, $"symmetric padding cannot exceed the image size ({h}x{w})");
        using var scope = DisposeScope.Enter();
        var rows = Tensor.FromArray(SymmetricIndices(h, padding.Top, padding.Bottom)).To(image.Device);
        var cols = Tensor.FromArray(SymmetricIndices(w, padding.Left, padding.Right)).To(image.Device);
        return scope.Keep(image.IndexSelect(image.Dim - 2, rows).IndexSelect(image.Dim - 1, cols));
    }

    private static long[] SymmetricIndices(long n, long before, long after)
    {
        var indices = new long[before + n + after];
        for (long i = 0; i < before; i++) indices[i] = before - 1 - i;
        for (long i = 0; i < n; i++) indices[before + i] = i;
        for (long i = 0; i < after; i++) indices[before + n + i] = n - 1 - i;
        return indices;
    }

    /// <summary>Mirrors the image left–right (torchvision's <c>hflip</c>: <c>img.flip(-1)</c>).</summary>
    public static Tensor HorizontalFlip(Tensor image)
    {
        CheckImage(image, nameof(HorizontalFlip));
        return image.Flip(-1);
    }

    /// <summary>Crops, then resizes to <paramref name="size"/> (torchvision's <c>resized_crop</c>).</summary>
    public static Tensor ResizedCrop(Tensor image, long top, long left, long height, long width, Pair size,
        InterpolationMode interpolation = InterpolationMode.Bilinear, bool antialias = true)
    {
        using var cropped = Crop(image, top, left, height, width);
        return Resize(cropped, size, interpolation, antialias);
    }

    /// <summary>Throws unless <paramref name="image"/> is an image [C, H, W] or a batch [N, C, H, W].</summary>
    internal static void CheckImage(Tensor image, string operation)
    {
        if (image.Dim is not (3 or 4))
            throw new ArgumentException($"{operation} expects an image [C, H, W] or a batch [N, C, H, W], got shape {Tensor.ShapeString(image.Shape)}", nameof(image));
    }

    /// <summary>Python's integer division <c>a // b</c> (rounds toward negative infinity).</summary>
    internal static long FloorDiv(long a, long b)
    {
        var q = a / b;
        return a % b != 0 && (a < 0) != (b < 0) ? q - 1 : q;
    }
}
