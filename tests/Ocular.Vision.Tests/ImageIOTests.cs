using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Images;

namespace Ocular.Vision.Tests;

/// <summary>
/// Decoding, encoding and errors of <see cref="ImageIO"/> against tests/fixtures/images (made by make_images.py).
/// Tolerances: lossless formats (PNG, BMP, TIFF, lossless WebP) decode exactly; JPEG is compared with PIL's
/// libjpeg-turbo decode within 2 levels, since JPEG decoders may round the inverse DCT differently.
/// </summary>
public sealed class ImageIOTests : IDisposable
{
    private const double JpegTolerance = 2;
    private readonly SafeTensors.Contents _fx = Fixtures.Load("images", "images.safetensors");

    private Tensor Expected(string name) => _fx.Tensors[name];

    private static string Image(string name) => Fixtures.Path("images", name);

    public void Dispose() => _fx.Dispose();

    [Theory]
    [InlineData("rgb.png")]
    [InlineData("rgb.bmp")]
    [InlineData("rgb.tiff")]
    [InlineData("rgb.webp")]
    public void LosslessFormatsDecodeExactlyAsRgbChw(string file)
    {
        using var image = ImageIO.Read(Image(file));
        Assert.Equal([3L, 30, 40], image.Shape);
        Fixtures.AssertEqual(Expected("rgb"), image);
    }

    [Fact]
    public void JpegDecodesWithinTwoLevelsOfPil()
    {
        using var image = ImageIO.Read(Image("rgb.jpg"));
        Fixtures.AssertClose(Expected("jpeg_pil"), image, JpegTolerance);
    }

    [Fact]
    public void SixteenBitPngIsScaledTo8Bits()
    {
        using var image = ImageIO.Read(Image("rgb16.png"));
        Fixtures.AssertEqual(Expected("rgb16_as_uint8"), image);
    }

    [Fact]
    public void RgbaPngDropsAlpha()
    {
        using var image = ImageIO.Read(Image("rgba.png"));
        Fixtures.AssertEqual(Expected("rgba_rgb"), image);
    }

    [Fact]
    public void GrayscalePngIsReplicatedInRgbModeAndKeptInGrayscaleMode()
    {
        using var rgb = ImageIO.Read(Image("gray.png"));
        using var expected = Expected("gray").Expand(3, 30, 40).Contiguous();
        Fixtures.AssertEqual(expected, rgb);

        using var gray = ImageIO.Read(Image("gray.png"), ImageMode.Grayscale);
        Fixtures.AssertEqual(Expected("gray"), gray);
    }

    [Fact]
    public void ColourImageInGrayscaleModeUsesOpenCvWeights()
    {
        using var gray = ImageIO.Read(Image("rgb.png"), ImageMode.Grayscale);
        Fixtures.AssertEqual(Expected("rgb_as_gray"), gray);
    }

    [Fact]
    public void DecodeFromBytesEqualsRead()
    {
        var bytes = File.ReadAllBytes(Image("rgb.webp"));
        using var image = ImageIO.Decode(bytes, ImageMode.Rgb, "rgb.webp");
        Fixtures.AssertEqual(Expected("rgb"), image);
    }

    [Theory]
    [InlineData("truncated.jpg", "truncated")]
    [InlineData("notimage.jpg", "cannot decode")]
    [InlineData("empty.png", "empty")]
    public void BrokenFilesRaiseAnErrorNamingThePath(string file, string reason)
    {
        var path = Image(file);
        var e = Assert.Throws<ImageDecodeException>(() => ImageIO.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(reason, e.Message);
        Assert.Equal(path, e.SourceName);
    }

    [Fact]
    public void MissingFileRaisesFileNotFoundNamingThePath()
    {
        var path = Image("no-such-image.png");
        var e = Assert.Throws<FileNotFoundException>(() => ImageIO.Read(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void TruncatedPngBytesRaiseAnErrorNamingTheSource()
    {
        var bytes = File.ReadAllBytes(Image("rgb.png"));
        var e = Assert.Throws<ImageDecodeException>(() => ImageIO.Decode(bytes.AsSpan(0, bytes.Length - 20), ImageMode.Rgb, "cut.png"));
        Assert.Contains("cut.png", e.Message);
    }

    [Fact]
    public void EveryPrefixOfAJpegIsTruncatedButTheWholeFileIsNot()
    {
        var bytes = File.ReadAllBytes(Image("rgb.jpg"));
        Assert.True(JpegStructure.LooksLikeJpeg(bytes));
        Assert.False(JpegStructure.IsTruncated(bytes));
        for (var n = 3; n < bytes.Length; n++)
            Assert.True(JpegStructure.IsTruncated(bytes.AsSpan(0, n)), $"a prefix of {n} of {bytes.Length} bytes");
    }

    [Theory]
    [InlineData("rgb")]
    [InlineData("gray")]
    public void PngRoundTripIsExact(string name)
    {
        var original = Expected(name);
        var png = ImageIO.EncodePng(original);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        using var decoded = ImageIO.Decode(png, name == "gray" ? ImageMode.Grayscale : ImageMode.Rgb, "memory.png");
        Fixtures.AssertEqual(original, decoded);
    }

    [Fact]
    public void EncodingAcceptsNonContiguousViews()
    {
        using var view = Expected("rgb").Slice(2, 5, 25); // [3, 30, 20], strided
        Assert.False(view.IsContiguous);
        using var decoded = ImageIO.Decode(ImageIO.EncodePng(view));
        using var expected = view.Contiguous();
        Fixtures.AssertEqual(expected, decoded);
    }

    [Fact]
    public void RgbaInGrayscaleModeIgnoresAlpha()
    {
        using var fromRgba = ImageIO.Read(Image("rgba.png"), ImageMode.Grayscale);
        Fixtures.AssertEqual(Expected("rgb_as_gray"), fromRgba);
    }

    [Fact]
    public void WritePngThenReadIsExactAndLeavesNoTemporaryFile()
    {
        var dir = Directory.CreateTempSubdirectory("ocular-images-");
        try
        {
            var path = Path.Combine(dir.FullName, "out.png");
            ImageIO.Write(path, Expected("rgb"));
            using var read = ImageIO.Read(path);
            Fixtures.AssertEqual(Expected("rgb"), read);
            Assert.Equal(["out.png"], dir.GetFiles().Select(f => f.Name));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void RgbaPngKeepsAlphaWhenEncoded()
    {
        using var alpha = Tensor.Full([1, 30, 40], 128, ScalarType.UInt8);
        using var rgba = Tensor.Cat([Expected("rgb"), alpha]);
        var png = ImageIO.EncodePng(rgba);
        using var decoded = ImageIO.Decode(png);
        Fixtures.AssertEqual(Expected("rgb"), decoded);
        Assert.True(png.Length > ImageIO.EncodePng(Expected("rgb")).Length); // the alpha plane is stored
    }

    [Fact]
    public void JpegRoundTripOfASmoothImageIsClose()
    {
        // A smooth image (red ramp across, green ramp down, blue constant): JPEG keeps it within a few levels,
        // and a swapped channel order would be off by far more.
        using var red = Tensor.Arange(0, 240, 6).Reshape(1, 1, 40).Expand(1, 30, 40);
        using var green = Tensor.Arange(0, 240, 8).Reshape(1, 30, 1).Expand(1, 30, 40);
        using var blue = Tensor.Full([1, 30, 40], 100L, ScalarType.Int64);
        using var rgb64 = Tensor.Cat([red, green, blue]);
        using var rgb = rgb64.To(ScalarType.UInt8);
        var jpeg = ImageIO.EncodeJpeg(rgb, quality: 95);
        Assert.Equal([0xFF, 0xD8, 0xFF], jpeg[..3]);
        using var decoded = ImageIO.Decode(jpeg);
        using var a = decoded.To(ScalarType.Float32);
        using var b = rgb.To(ScalarType.Float32);
        using var diff = a.Sub(b).Abs().Mean(new long[] { 1, 2 });
        Assert.All(diff.ToArray<float>(), d => Assert.True(d < 2, $"mean |difference| {d} in a channel after a quality-95 JPEG round trip"));
    }

    [Fact]
    public void EncodingRejectsNonUint8OrBadChannels()
    {
        using var floats = Tensor.Zeros(3, 4, 4);
        Assert.Contains("uint8", Assert.Throws<ArgumentException>(() => ImageIO.EncodePng(floats)).Message);
        using var two = Tensor.Zeros([2, 4, 4], ScalarType.UInt8);
        Assert.Throws<ArgumentException>(() => ImageIO.EncodePng(two));
        using var rgba = Tensor.Zeros([4, 4, 4], ScalarType.UInt8);
        Assert.Throws<ArgumentException>(() => ImageIO.EncodeJpeg(rgba));
        Assert.Throws<ArgumentException>(() => ImageIO.Write("image.gif", Expected("rgb")));
    }

    [Theory]
    [InlineData("nearest", ImageInterpolation.Nearest)]
    [InlineData("bilinear", ImageInterpolation.Bilinear)]
    [InlineData("bicubic", ImageInterpolation.Bicubic)]
    [InlineData("area", ImageInterpolation.Area)]
    public void ResizeMatchesCv2Resize(string name, ImageInterpolation interpolation)
    {
        using var small = ImageIO.Resize(Expected("rgb"), (17, 23), interpolation);
        Fixtures.AssertEqual(Expected($"cv_resize_{name}_17x23"), small);
        using var large = ImageIO.Resize(Expected("rgb"), (45, 61), interpolation);
        Fixtures.AssertEqual(Expected($"cv_resize_{name}_45x61"), large);
    }

    [Fact]
    public void ResizeOfFloatImagesKeepsTheType()
    {
        using var asFloat = Expected("rgb").To(ScalarType.Float32);
        using var resized = ImageIO.Resize(asFloat, (17, 23), ImageInterpolation.Area);
        Assert.Equal(ScalarType.Float32, resized.DType);
        // INTER_AREA on float32 differs from the uint8 result only by the uint8 rounding.
        Assert.True(Fixtures.MaxAbsDiff(resized, Expected("cv_resize_area_17x23")) <= 0.5 + 1e-3);
    }
}
