using Ocular.Torch;
using Ocular.Vision.Images;
using F = Ocular.Torch.Functional;

namespace Ocular.Bench.Suites;

/// <summary>
/// The JPEG folder of the train and data suites, shared by both sides: <c>TMP/ocular-bench-train-v1-N/class{k}/img{i}.jpg</c>, 500×375
/// images (ImageNet's typical size) of smooth random colour fields with noise, quality 90, class <c>i mod 4</c>.
/// Whichever side runs first writes it (into a temporary folder renamed into place); both then read the same files.
/// bench/python/jpegfolder.py draws the same pixels (libtorch's generator, the same operations) and encodes with PIL.
/// </summary>
internal static class JpegFolder
{
    public static string Ensure(int count, int classes)
    {
        var root = Path.Combine(Path.GetTempPath(), $"ocular-bench-train-v1-{count}");
        if (Directory.Exists(root)) return root;
        var temp = root + ".tmp-" + Environment.ProcessId;
        for (var i = 0; i < count; i++)
        {
            using var scope = DisposeScope.Enter();
            using var g = new Generator((ulong)(1234 + i));
            var coarse = Tensor.Rand([1, 3, 6, 8], g).Mul(255);
            var smooth = F.Interpolate(coarse, new Pair(375, 500), mode: InterpolationMode.Bilinear, alignCorners: false).Squeeze(0);
            var noisy = smooth.Add(Tensor.Randn([3, 375, 500], g).Mul(12));
            var image = noisy.Clamp(0, 255).Round().To(ScalarType.UInt8);
            var dir = Directory.CreateDirectory(Path.Combine(temp, $"class{i % classes}")).FullName;
            ImageIO.WriteJpeg(Path.Combine(dir, $"img{i:D4}.jpg"), image, quality: 90);
        }
        try
        {
            Directory.Move(temp, root);
        }
        catch (IOException) when (Directory.Exists(root))
        {
            Directory.Delete(temp, recursive: true); // the other side won the race
        }
        return root;
    }
}
