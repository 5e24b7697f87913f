using Ocular.Torch;
using Ocular.Vision.Data;

namespace Ocular.Explain.Learned.LCam;

/// <summary>
/// The fixed views of each training image (view 0: the image; view 1: its horizontal flip, the reference's
/// RandomHorizontalFlip made a fixed set so that L-CAM-Fm can cache their features), and which view each image shows
/// in each epoch: drawn from the seed, the epoch and the image index, so the cached and the uncached runs train on the
/// same inputs.
/// </summary>
/// <param name="Count">1 or 2 views.</param>
/// <param name="Seed">The run's seed.</param>
public sealed record LCamViews(int Count, ulong Seed)
{
    private const ulong ViewKey = 0x76696577UL; // "view"

    /// <summary>The view of image <paramref name="index"/> in the 1-based <paramref name="epoch"/>.</summary>
    public int Of(int epoch, int index) => Count == 1 ? 0 : (int)(Seeds.Derive(Seed, ViewKey, (ulong)epoch, (ulong)index) & 1);

    /// <summary>Applies the views to raw images [N, C, H, W] (flips those with view 1); a new tensor.</summary>
    public static Tensor Apply(Tensor images, IReadOnlyList<int> views)
    {
        if (views.All(v => v == 0)) return images.Alias();
        using var scope = DisposeScope.Enter();
        var flip = Tensor.FromArray(views.Select(v => v == 1).ToArray(), views.Count, 1, 1, 1);
        return scope.Keep(Tensor.Where(flip, images.Flip(3), images));
    }
}
