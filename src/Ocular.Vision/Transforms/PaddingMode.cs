namespace Ocular.Vision.Transforms;

/// <summary>How an image is padded (torchvision's <c>padding_mode</c>).</summary>
public enum PaddingMode
{
    /// <summary>A constant fill value.</summary>
    Constant,
    /// <summary>The edge pixel repeated ("edge", torch's "replicate").</summary>
    Edge,
    /// <summary>Reflection without repeating the edge: [1, 2, 3] padded by 2 → [3, 2, 1, 2, 3, 2, 1].</summary>
    Reflect,
    /// <summary>Reflection repeating the edge: [1, 2, 3] padded by 2 → [2, 1, 1, 2, 3, 3, 2].</summary>
    Symmetric,
}

/// <summary>Padding of each border of an image, in pixels (torchvision's 1-, 2- or 4-element padding).</summary>
/// <param name="Left">Columns added on the left.</param>
/// <param name="Top">Rows added on the top.</param>
/// <param name="Right">Columns added on the right.</param>
/// <param name="Bottom">Rows added on the bottom.</param>
public readonly record struct Padding(long Left, long Top, long Right, long Bottom)
{
    /// <summary>The same padding on all four borders (torchvision's <c>padding=p</c>).</summary>
    public static implicit operator Padding(long all) => new(all, all, all, all);

    /// <summary>(left/right, top/bottom), as torchvision's 2-element padding.</summary>
    public static implicit operator Padding((long Horizontal, long Vertical) p) => new(p.Horizontal, p.Vertical, p.Horizontal, p.Vertical);

    /// <summary>(left, top, right, bottom), as torchvision's 4-element padding.</summary>
    public static implicit operator Padding((long Left, long Top, long Right, long Bottom) p) => new(p.Left, p.Top, p.Right, p.Bottom);
}
