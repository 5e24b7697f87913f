namespace Ocular.Explain.Learned.LCam;

/// <summary>Where the learned class map is applied during training (reference l-cam.md §2.3, §8.1).</summary>
public enum LCamVariant
{
    /// <summary>L-CAM-Fm: the map multiplies the feature maps, which go on through the frozen rest of the network (§2.3 Fm 5–6).</summary>
    Fm,

    /// <summary>L-CAM-Img: the map, upsampled, multiplies the raw [0, 1] image, which is normalised and passed through the whole frozen network (§2.3 Img 5–7).</summary>
    Img,

    /// <summary>TAME: three layers fused by 1×1 conv + BN + skip branches into one map per class, trained Img-style (§8.1).</summary>
    Tame,
}

/// <summary>The command-line names of <see cref="LCamVariant"/> (<c>fm</c>, <c>img</c>, <c>tame</c>).</summary>
public static class LCamVariants
{
    /// <summary>The accepted names, for messages.</summary>
    public const string Accepted = "fm, img, tame";

    /// <summary>The name of <paramref name="variant"/>.</summary>
    public static string Name(this LCamVariant variant) => variant.ToString().ToLowerInvariant();

    /// <summary>Parses <c>fm</c>, <c>img</c> or <c>tame</c> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Another name (the message lists the accepted ones).</exception>
    public static LCamVariant Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "fm" => LCamVariant.Fm,
        "img" => LCamVariant.Img,
        "tame" => LCamVariant.Tame,
        _ => throw new ArgumentException($"unknown L-CAM variant '{text}'; accepted: {Accepted}"),
    };
}
