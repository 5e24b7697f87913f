using System.Buffers.Binary;
using Ocular.Torch;

namespace Ocular.Vision.Tests;

/// <summary>
/// A tiny uncompressed image format for the tests (the real decoders live in ImageIO): the magic "RAWI",
/// then C, H, W as little-endian int32, then C·H·W bytes in [C, H, W] order.
/// </summary>
internal static class RawImage
{
    public static void Write(string path, byte[] chw, int c, int h, int w)
    {
        var bytes = new byte[16 + chw.Length];
        "RAWI"u8.CopyTo(bytes);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), c);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), h);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(12), w);
        chw.CopyTo(bytes, 16);
        System.IO.File.WriteAllBytes(path, bytes);
    }

    /// <summary>Writes a c×h×w image whose every byte is <paramref name="value"/>.</summary>
    public static void WriteFilled(string path, byte value, int c = 3, int h = 4, int w = 4) =>
        Write(path, Enumerable.Repeat(value, c * h * w).ToArray(), c, h, w);

    public static Tensor Load(string path)
    {
        var bytes = System.IO.File.ReadAllBytes(path);
        if (bytes.Length < 16 || !bytes.AsSpan(0, 4).SequenceEqual("RAWI"u8)) throw new InvalidDataException("not a RAWI file");
        var c = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4));
        var h = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
        var w = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12));
        if (bytes.Length != 16 + c * h * w) throw new InvalidDataException($"truncated: {bytes.Length - 16} of {c * h * w} bytes");
        return Tensor.FromBytes(bytes.AsSpan(16), ScalarType.UInt8, [c, h, w]);
    }
}
