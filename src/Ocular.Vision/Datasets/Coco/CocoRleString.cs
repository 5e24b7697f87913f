namespace Ocular.Vision.Datasets.Coco;

/// <summary>
/// COCO's compressed RLE strings (the <c>counts</c> string of an RLE segmentation, pycocotools' <c>rleFrString</c>):
/// each count is written in 5-bit groups, least significant first, as the characters <c>'0'</c>–<c>'o'</c> (48 + group;
/// bit 0x20 says another group follows, bit 0x10 of the last group is the sign), and from the fourth count on a count
/// is written as its difference from the count two places before it.
/// </summary>
public static class CocoRleString
{
    // Six groups carry 30 bits with the sign, more than any image's pixel count needs; maskApi.c shifts a 32-bit int by
    // 5·k, so a seventh group would not decode the same way there either.
    private const int MaxGroups = 6;

    /// <summary>Decodes the run lengths of a compressed string.</summary>
    /// <exception cref="FormatException">A character is outside <c>'0'</c>–<c>'o'</c>, the string ends inside a count,
    /// a count has more than six characters, or a count decodes to a negative or too large number.</exception>
    public static uint[] Decode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var counts = new List<uint>(text.Length);
        var p = 0;
        while (p < text.Length)
        {
            long value = 0;
            var groups = 0;
            var more = true;
            while (more)
            {
                if (p >= text.Length) throw new FormatException($"the RLE string ends inside count {counts.Count}");
                if (groups == MaxGroups) throw new FormatException($"count {counts.Count} of the RLE string has more than {MaxGroups} characters");
                var c = text[p] - 48;
                if (c is < 0 or > 63) throw new FormatException($"character '{text[p]}' at position {p} of the RLE string is outside '0'–'o'");
                value |= (long)(c & 0x1f) << (5 * groups);
                more = (c & 0x20) != 0;
                p++;
                groups++;
                if (!more && (c & 0x10) != 0) value |= -1L << (5 * groups);
            }
            if (counts.Count > 2) value += counts[^2];
            if (value is < 0 or > uint.MaxValue) throw new FormatException($"count {counts.Count} of the RLE string decodes to {value}");
            counts.Add((uint)value);
        }
        return [.. counts];
    }
}
