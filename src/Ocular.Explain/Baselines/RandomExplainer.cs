using Ocular.Torch;

namespace Ocular.Explain.Baselines;

/// <summary>
/// The <c>random</c> baseline (pytorch-grad-cam's <c>RandomCAM</c> idea at input resolution): every
/// pixel of every map is drawn uniformly from [0, 1), then each map is min–max normalised to [0, 1].
/// It ignores the model, the image and the target, so any metric it scores well on measures nothing.
/// </summary>
/// <remarks>
/// The maps come from one generator seeded at construction, drawn in the order the images are explained
/// (image-major, then row-major): the same seed and the same sequence of calls give the same maps.
/// <see cref="SkipImages"/> draws the pixels of maps another process makes, so that a sharded run gives every image
/// the map of a single run.
/// </remarks>
public sealed class RandomExplainer : IExplainer
{
    private readonly Generator _generator;

    /// <summary>Creates the baseline with its own generator.</summary>
    /// <param name="seed">The seed of the generator the maps are drawn from.</param>
    public RandomExplainer(ulong seed = 0)
    {
        Seed = seed;
        _generator = new Generator(seed);
    }

    /// <summary>The command line's name: <c>random</c>.</summary>
    public const string MethodName = "random";

    /// <inheritdoc/>
    public string Name => MethodName;

    /// <summary>The seed the maps are drawn from.</summary>
    public ulong Seed { get; }

    /// <inheritdoc/>
    public Tensor Explain(Tensor images, Tensor targets)
    {
        BaselineInputs.Check(Name, images, targets);
        using var scope = DisposeScope.Enter();
        var (n, h, w) = (images.Size(0), images.Size(2), images.Size(3));
        var maps = Tensor.Rand([n, h, w], _generator).To(ScalarType.Float32, images.Device);
        // The shared min–max: a constant map (possible only for 1×1 images) becomes 0.
        return scope.Keep(SaliencyMaps.Normalize(maps));
    }

    /// <summary>Draws and discards the pixels of <paramref name="count"/> maps, one map at a time (the same draws, in the same order, as explaining them).</summary>
    public void SkipImages(long count, long height, long width)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        for (long i = 0; i < count; i++)
        {
            using var discarded = Tensor.Rand([1, height, width], _generator);
        }
    }

    /// <summary>Frees the generator.</summary>
    public void Dispose() => _generator.Dispose();
}
