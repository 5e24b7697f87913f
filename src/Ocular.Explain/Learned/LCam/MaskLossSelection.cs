namespace Ocular.Explain.Learned.LCam;

/// <summary>Which attention maps enter the area and smoothness terms of the loss (reference l-cam.md §3, §9 defect 1).</summary>
public enum MaskLossSelection
{
    /// <summary>Each image's own target map a[n, y_n] (N×1×h×w): the default, fixing the original's defect.</summary>
    OwnClass,

    /// <summary>
    /// The original code's <c>get_a(labels)</c> = a[:, y] (N×N×h×w): every image's map for every label of the batch.
    /// The TV term then grows with N, so λ1 does not carry over between the two modes.
    /// </summary>
    CrossLabel,
}
