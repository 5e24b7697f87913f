namespace Ocular.Evaluation.Metrics;

/// <summary>How <see cref="StabilityIoU"/> aggregates the overlap of two binarised maps of one image (reference lfi-cam.md §5.3, §7 defect 1).</summary>
public enum IoUMode
{
    /// <summary>
    /// Ocular's definition (default): IoU = (|A ∩ B| + 1e-6)/(|A ∪ B| + 1e-6) over all H·W pixels of the image,
    /// one channel; Dice = 2(|A ∩ B| + 1e-6)/(|A| + |B| + 1e-6).
    /// </summary>
    PerImage,

    /// <summary>
    /// The original's <c>utils/metrics.py</c>: sums over <c>axes=(1, 2)</c> of an H×W×3 array, i.e. for every image
    /// row r, I_r = Σ a·b and U_r = Σ a + Σ b − I_r over the row's W pixels and the 3 identical channels (so both
    /// are 3× the single-channel counts, which changes the 1e-6 smoothing slightly; reproduced as written);
    /// IoU_r = (I_r + 1e-6)/(U_r + 1e-6), so a row empty in both maps scores 1; the image's IoU is the mean over rows.
    /// Dice_r = 2(I_r + 1e-6)/(Σ a + Σ b + 1e-6), mean over rows (a row empty in both gives 2, as in the original).
    /// </summary>
    PerRowOriginal,
}

/// <summary>How <see cref="StabilityIoU"/> turns a map into a binary mask (reference lfi-cam.md §5.3, §7 defect 3).</summary>
public enum ExportQuantisation
{
    /// <summary>
    /// Ocular's definition (default): the map kept as float, min–max normalised per image (0 if constant),
    /// binarised as m &gt; t/255.
    /// </summary>
    Float,

    /// <summary>
    /// The original's map export (<see cref="OriginalMapExport"/>): ×255, saturated to uint8 (the PNG round trip,
    /// rounding half to even), min–max per image ×256, truncated to uint8 (the maximum, 256, wraps to 0), then
    /// binarised as m &gt; t on the 0–255 integer scale.
    /// </summary>
    OriginalUint8,
}

/// <summary>The command-line and file names of <see cref="IoUMode"/> and <see cref="ExportQuantisation"/>.</summary>
public static class StabilityModeNames
{
    /// <summary>The IoU modes' names: <c>per-image</c>, <c>per-row-original</c>.</summary>
    public static readonly IReadOnlyList<string> IoUModes = ["per-image", "per-row-original"];

    /// <summary>The quantisations' names: <c>float</c>, <c>original-uint8</c>.</summary>
    public static readonly IReadOnlyList<string> Exports = ["float", "original-uint8"];

    /// <summary>The name of an IoU mode.</summary>
    public static string Name(IoUMode mode) => IoUModes[(int)mode];

    /// <summary>The name of a quantisation.</summary>
    public static string Name(ExportQuantisation export) => Exports[(int)export];

    /// <summary>The IoU mode called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">Not a mode's name (the message lists them).</exception>
    public static IoUMode ParseIoUMode(string name) => (IoUMode)Index(IoUModes, name, "IoU mode");

    /// <summary>The quantisation called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">Not a quantisation's name (the message lists them).</exception>
    public static ExportQuantisation ParseExport(string name) => (ExportQuantisation)Index(Exports, name, "export quantisation");

    private static int Index(IReadOnlyList<string> names, string name, string what)
    {
        for (var i = 0; i < names.Count; i++)
            if (string.Equals(names[i], name.Trim(), StringComparison.OrdinalIgnoreCase)) return i;
        throw new ArgumentException($"unknown {what} '{name}': expected {string.Join(" or ", names)}");
    }
}
