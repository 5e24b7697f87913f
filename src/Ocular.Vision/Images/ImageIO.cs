using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Interop;

namespace Ocular.Vision.Images;

/// <summary>
/// Reads, decodes and encodes images with OpenCV (through the shim). Images are uint8 tensors [C, H, W]
/// (channels first, RGB or one grey channel), as <c>torchvision.io.read_image</c> returns them.
/// </summary>
public static partial class ImageIO
{
    private const string MemorySource = "<memory>";

    /// <summary>
    /// Reads and decodes the image file at <paramref name="path"/> (JPEG, PNG, BMP, WebP or TIFF) into a uint8
    /// tensor [3, H, W] (RGB) or [1, H, W] (<see cref="ImageMode.Grayscale"/>). 16-bit images are scaled to
    /// 8 bits (v / 257, rounded), an alpha channel is dropped.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ImageDecodeException">The file is empty, truncated, corrupt or not an image; the message names the path.</exception>
    public static Tensor Read(string path, ImageMode mode = ImageMode.Rgb)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Decode(File.ReadAllBytes(path), mode, path);
    }

    /// <summary>
    /// Decodes an encoded image held in memory, as <see cref="Read"/> does a file; <paramref name="sourceName"/>
    /// (e.g. the path or URL the bytes came from) names it in error messages.
    /// </summary>
    /// <exception cref="ImageDecodeException">The bytes are empty, truncated, corrupt or not an image.</exception>
    public static unsafe Tensor Decode(ReadOnlySpan<byte> bytes, ImageMode mode = ImageMode.Rgb, string sourceName = MemorySource)
    {
        if (bytes.IsEmpty) throw new ImageDecodeException(sourceName, "it is empty (0 bytes)");
        if (JpegStructure.LooksLikeJpeg(bytes) && JpegStructure.IsTruncated(bytes))
            throw new ImageDecodeException(sourceName, $"the JPEG data is truncated: it ends after {bytes.Length} bytes, before the end-of-image marker");
        IntPtr handle;
        fixed (byte* p = bytes) handle = NativeImage.ocl_image_decode(p, bytes.Length, mode == ImageMode.Grayscale ? 1 : 0);
        if (handle == IntPtr.Zero) throw new ImageDecodeException(sourceName, TorchException.LastError());
        return Tensor.Wrap(handle);
    }

    /// <summary>Encodes a uint8 image [C, H, W] (1 grey, 3 RGB or 4 RGBA channels) as PNG, losslessly.</summary>
    /// <param name="image">The image, channels first.</param>
    /// <param name="compressionLevel">zlib's level, 0 (none, fastest) to 9 (smallest).</param>
    public static byte[] EncodePng(Tensor image, int compressionLevel = 3)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(compressionLevel);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(compressionLevel, 9);
        return Encode(image, format: 0, compressionLevel, alphaAllowed: true);
    }

    /// <summary>Encodes a uint8 image [C, H, W] (1 grey or 3 RGB channels) as JPEG.</summary>
    /// <param name="image">The image, channels first.</param>
    /// <param name="quality">JPEG quality, 0 to 100 (OpenCV's default is 95).</param>
    public static byte[] EncodeJpeg(Tensor image, int quality = 95)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(quality);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quality, 100);
        return Encode(image, format: 1, quality, alphaAllowed: false);
    }

    /// <summary>Writes a uint8 image [C, H, W] as a PNG file, atomically (see <see cref="EncodePng"/>).</summary>
    public static void WritePng(string path, Tensor image, int compressionLevel = 3) =>
        AtomicFile.WriteAllBytes(path, EncodePng(image, compressionLevel));

    /// <summary>Writes a uint8 image [C, H, W] as a JPEG file, atomically (see <see cref="EncodeJpeg"/>).</summary>
    public static void WriteJpeg(string path, Tensor image, int quality = 95) =>
        AtomicFile.WriteAllBytes(path, EncodeJpeg(image, quality));

    /// <summary>Writes a uint8 image [C, H, W] as PNG or JPEG, chosen by the extension of <paramref name="path"/> (.png, .jpg, .jpeg).</summary>
    public static void Write(string path, Tensor image)
    {
        switch (Path.GetExtension(path).ToLowerInvariant())
        {
            case ".png": WritePng(path, image); break;
            case ".jpg" or ".jpeg": WriteJpeg(path, image); break;
            default: throw new ArgumentException($"cannot choose an image format for '{path}': expected a .png, .jpg or .jpeg extension", nameof(path));
        }
    }

    private static byte[] Encode(Tensor image, int format, int param, bool alphaAllowed)
    {
        CheckUint8Image(image, alphaAllowed ? "1, 3 or 4" : "1 or 3", alphaAllowed ? [1, 3, 4] : [1, 3]);
        using var bytes = Tensor.Wrap(NativeImage.ocl_image_encode(image.Handle, format, param));
        return bytes.ToArray<byte>();
    }

    private static void CheckUint8Image(Tensor image, string expected, long[] channels)
    {
        if (image.DType != ScalarType.UInt8 || image.Dim != 3 || !channels.Contains(image.Size(0)))
            throw new ArgumentException(
                $"expected a uint8 image [C, H, W] with {expected} channels, got {image.DType.TorchName()} {Tensor.ShapeString(image.Shape)}", nameof(image));
    }
}
