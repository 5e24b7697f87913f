using Ocular.Torch;

namespace Ocular.Explain.Baselines;

/// <summary>
/// The <c>centre-gaussian</c> baseline: the same map for every image, a Gaussian centred on the image,
/// exp(−((y − c_y)² + (x − c_x)²)/(2σ²)) with c = ((H − 1)/2, (W − 1)/2) in pixel coordinates and
/// σ = <see cref="SigmaFraction"/> · min(H, W), min–max normalised to [0, 1]. It encodes the centre bias
/// of photographs and ignores the model, the image and the target: a method should beat it, and a sanity
/// check (model randomisation) leaves it unchanged.
/// </summary>
public sealed class CentreGaussianExplainer : IExplainer
{
    /// <summary>Creates the baseline.</summary>
    /// <param name="sigmaFraction">σ as a fraction of the shorter image side (default 0.25).</param>
    public CentreGaussianExplainer(double sigmaFraction = 0.25)
    {
        if (!(sigmaFraction > 0) || double.IsInfinity(sigmaFraction))
            throw new ArgumentOutOfRangeException(nameof(sigmaFraction), sigmaFraction, "σ must be a positive fraction of the image side");
        SigmaFraction = sigmaFraction;
    }

    /// <summary>The command line's name: <c>centre-gaussian</c>.</summary>
    public const string MethodName = "centre-gaussian";

    /// <inheritdoc/>
    public string Name => MethodName;

    /// <summary>σ as a fraction of min(H, W).</summary>
    public double SigmaFraction { get; }

    /// <inheritdoc/>
    public Tensor Explain(Tensor images, Tensor targets)
    {
        BaselineInputs.Check(Name, images, targets);
        using var scope = DisposeScope.Enter();
        var (n, h, w) = (images.Size(0), images.Size(2), images.Size(3));
        var sigma = SigmaFraction * Math.Min(h, w);
        var ys = Tensor.Arange(h, ScalarType.Float64).Sub((h - 1) / 2.0).Square().View(h, 1);
        var xs = Tensor.Arange(w, ScalarType.Float64).Sub((w - 1) / 2.0).Square().View(1, w);
        var g = ys.Add(xs).Div(-2 * sigma * sigma).Exp();
        // The shared min–max (a 1×1 image has a constant map: 0 rather than 0/0), then one copy per image.
        var map = SaliencyMaps.Normalize(g.Unsqueeze(0)).To(ScalarType.Float32, images.Device);
        return scope.Keep(map.Expand(n, h, w).Contiguous());
    }

    /// <summary>Nothing to free.</summary>
    public void Dispose() { }
}
