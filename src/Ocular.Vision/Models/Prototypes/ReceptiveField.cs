using Ocular.Torch.Nn;

namespace Ocular.Vision.Models.Prototypes;

/// <summary>
/// The receptive field of one latent position of a prototype network, computed along the main path of the trunk
/// (every convolution and max pool in forward order; residual shortcuts and 1×1 downsampling are not on it), as
/// ProtoPNet's <c>receptive_field.py</c> does (<c>compute_proto_layer_rf_info_v2</c>): the push uses it to crop the
/// training patch a word was projected onto (reference §5).
/// </summary>
/// <param name="Size">The latent map's side n.</param>
/// <param name="Jump">The input pixels between neighbouring latent positions j.</param>
/// <param name="Extent">The receptive field's side r in input pixels.</param>
/// <param name="Start">The centre of position 0's receptive field in input pixels.</param>
public sealed record ReceptiveField(long Size, double Jump, double Extent, double Start)
{
    /// <summary>The field of a stack of layers, each (kernel, stride, padding), for a square input of <paramref name="inputSize"/> pixels; the prototype layer (1×1, stride 1, no padding) is applied last.</summary>
    public static ReceptiveField Of(IEnumerable<(long Kernel, long Stride, long Padding)> layers, long inputSize)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var (n, j, r, start) = ((double)inputSize, 1.0, 1.0, 0.5);
        foreach (var (k, s, p) in layers.Append((1, 1, 0)))
        {
            // receptive_field.py, compute_layer_rf_info with an integer padding on each side.
            var pad = 2.0 * p;
            n = Math.Floor((n - k + pad) / s) + 1;
            start += ((k - 1) / 2.0 - Math.Floor(pad / 2)) * j;
            r += (k - 1) * j;
            j *= s;
        }
        return new ReceptiveField((long)n, j, r, start);
    }

    /// <summary>The convolutions and max pools on the main path of <paramref name="modules"/> (in forward order), as (kernel, stride, padding); square kernels only.</summary>
    public static IEnumerable<(long Kernel, long Stride, long Padding)> MainPath(IEnumerable<(string Path, Module Module)> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var (path, module) in modules)
        {
            if (path.Split('.').Contains("downsample")) continue;
            switch (module)
            {
                case Conv2d c:
                    yield return (c.KernelSize.H, c.Stride.H, c.Padding.H);
                    break;
                case MaxPool2d m:
                    yield return (m.KernelSize.H, m.Stride.H, m.Padding.H);
                    break;
            }
        }
    }

    /// <summary>
    /// The input box (y0, y1, x0, x1; end exclusive, clipped to the image) seen by latent position (<paramref name="y"/>,
    /// <paramref name="x"/>) of a square <paramref name="imageSize"/> input (<c>compute_rf_protoL_at_spatial_location</c>,
    /// with its truncation towards zero).
    /// </summary>
    public (int Y0, int Y1, int X0, int X1) Box(long y, long x, int imageSize)
    {
        if (y < 0 || y >= Size || x < 0 || x >= Size)
            throw new ArgumentOutOfRangeException(nameof(y), $"latent position ({y}, {x}) outside the {Size}×{Size} map");
        var (cy, cx) = (Start + y * Jump, Start + x * Jump);
        return (Math.Max((int)Math.Truncate(cy - Extent / 2), 0), Math.Min((int)Math.Truncate(cy + Extent / 2), imageSize),
                Math.Max((int)Math.Truncate(cx - Extent / 2), 0), Math.Min((int)Math.Truncate(cx + Extent / 2), imageSize));
    }
}
