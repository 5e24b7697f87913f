namespace Ocular.Vision.Images;

/// <summary>
/// Checks that a JPEG stream reaches its end-of-image marker. libjpeg (and so OpenCV) decodes a truncated
/// JPEG without an error, filling the missing rows with grey and printing only a warning; this walk over the
/// marker segments lets <see cref="ImageIO"/> reject such a file instead.
/// </summary>
internal static class JpegStructure
{
    private const byte Marker = 0xFF, Soi = 0xD8, Eoi = 0xD9, Sos = 0xDA, Tem = 0x01, Rst0 = 0xD0, Rst7 = 0xD7;

    /// <summary>True when <paramref name="data"/> starts like a JPEG (SOI then a marker).</summary>
    public static bool LooksLikeJpeg(ReadOnlySpan<byte> data) =>
        data.Length >= 3 && data[0] == Marker && data[1] == Soi && data[2] == Marker;

    /// <summary>
    /// True when the data ends before the end-of-image marker. Segments are skipped by their length (so the
    /// EOI of an embedded EXIF thumbnail is not mistaken for the image's), entropy-coded data up to the next
    /// marker that is neither a stuffed 0xFF00 nor a restart marker. A stream whose structure is broken in
    /// some other way is left to the decoder (false).
    /// </summary>
    public static bool IsTruncated(ReadOnlySpan<byte> data)
    {
        var i = 2; // after SOI
        while (true)
        {
            if (i >= data.Length) return true;
            if (data[i] != Marker) return false;
            while (i < data.Length && data[i] == Marker) i++; // fill bytes
            if (i >= data.Length) return true;
            var marker = data[i++];
            if (marker == Eoi) return false;
            if (marker == Tem || marker is >= Rst0 and <= Rst7) continue; // no length field
            if (i + 2 > data.Length) return true;
            var length = (data[i] << 8) | data[i + 1];
            if (length < 2) return false;
            i += length;
            if (i > data.Length) return true;
            if (marker != Sos) continue;
            // Entropy-coded data: runs until a marker other than a stuffed zero or a restart marker.
            while (true)
            {
                if (i + 1 >= data.Length) return true;
                if (data[i] == Marker && data[i + 1] != 0x00 && data[i + 1] is not (>= Rst0 and <= Rst7)) break;
                i++;
            }
        }
    }
}
