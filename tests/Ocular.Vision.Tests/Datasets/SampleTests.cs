using Ocular.Torch;
using Ocular.Vision.Data;
using Ocular.Vision.Datasets;
using Ocular.Vision.Transforms;

namespace Ocular.Vision.Tests.Datasets;

public class SampleTests
{
    private sealed class Crop : ITransform
    {
        public Tensor Apply(Tensor image, Generator? generator = null) => image.Narrow(1, 0, 2).Contiguous();
    }

    // A 4×4 mask whose top-left 2×2 block is set (and, as a second concept, its complement).
    private static Sample Masked()
    {
        var evidence = Tensor.FromArray(new bool[] { true, true, false, false, true, true, false, false, false, false, false, false, false, false, false, false }, 4, 4);
        using var inverse = evidence.LogicalNot();
        var concepts = Tensor.Stack([evidence, inverse]);
        return new Sample(Tensor.Zeros([3, 4, 4], ScalarType.UInt8), 1, evidenceMask: evidence, conceptMasks: concepts, conceptNames: ["block", "rest"]);
    }

    [Fact]
    public void AGeometricTransformTheMasksCannotFollowIsRefusedAndChangesNothing()
    {
        using var masked = Masked();
        var evidence = masked.EvidenceMask;
        var e = Assert.Throws<InvalidOperationException>(() => masked.ApplyTransform(new Compose(new Resize(8), new Crop())));
        Assert.Contains("Crop turned the image of sample -1 from [3, 8, 8] into [3, 2, 8]", e.Message);
        Assert.Contains("only Resize, CenterCrop, RandomResizedCrop and RandomHorizontalFlip", e.Message);
        Assert.Contains("shapes:size=N", e.Message);
        Assert.Equal([3L, 4, 4], masked.Image.Shape);
        Assert.Same(evidence, masked.EvidenceMask);
        Assert.Equal([4L, 4], masked.EvidenceMask!.Shape);

        using var plain = new Sample(Tensor.Zeros([3, 4, 4], ScalarType.UInt8), 1);
        plain.ApplyTransform(new Crop());
        Assert.Equal([3L, 2, 4], plain.Image.Shape);
    }

    [Fact]
    public void MasksFollowAResizeNearestNeighbour()
    {
        using var masked = Masked();
        masked.ApplyTransform(new Resize(8));
        Assert.Equal([3L, 8, 8], masked.Image.Shape);
        // The 2×2 block becomes the 4×4 block: each mask pixel covers 2×2 output pixels.
        var expected = Enumerable.Range(0, 64).Select(i => i / 8 < 4 && i % 8 < 4).ToArray();
        Assert.Equal(expected, masked.EvidenceMask!.ToArray<bool>());
        Assert.Equal([2L, 8, 8], masked.ConceptMasks!.Shape);
        using var rest = masked.ConceptMask("rest");
        Assert.Equal(expected.Select(b => !b).ToArray(), rest.ToArray<bool>());
    }

    [Fact]
    public void MasksFollowTheEvaluationPreprocessingStepByStep()
    {
        // Resize 4 → 8, centre-crop 6 (offset 1), scale to [0, 1]: the 4×4 block at the top left becomes rows/columns 0–2.
        using var masked = Masked();
        masked.ApplyTransform(new Compose(new Resize(8), new CenterCrop(new Pair(6, 6)), new ToTensor()));
        Assert.Equal([3L, 6, 6], masked.Image.Shape);
        Assert.Equal(ScalarType.Float32, masked.Image.DType);
        var expected = Enumerable.Range(0, 36).Select(i => i / 6 < 3 && i % 6 < 3).ToArray();
        Assert.Equal(expected, masked.EvidenceMask!.ToArray<bool>());
        Assert.Equal(ScalarType.Bool, masked.EvidenceMask.DType);
    }

    // A 30×40 image whose object pixels (a bar and a blob) are white, a colour the background never takes, with the
    // object as evidence and as concept "object", and the rest as concept "rest".
    private static Sample ColouredObject()
    {
        const int h = 30, w = 40;
        var pixels = new byte[3 * h * w];
        var mask = new bool[h * w];
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
            {
                var inside = (y is >= 5 and < 15 && x is >= 22 and < 36) || (y is >= 20 and < 23 && x is >= 3 and < 6);
                mask[y * w + x] = inside;
                for (var c = 0; c < 3; c++) pixels[(c * h + y) * w + x] = inside ? (byte)255 : (byte)((x * 5 + y * 3 + c * 40) % 200);
            }
        var evidence = Tensor.FromArray(mask, h, w);
        using var rest = evidence.LogicalNot();
        var concepts = Tensor.Stack([evidence, rest]);
        return new Sample(Tensor.FromArray(pixels, 3, h, w), 0, evidenceMask: evidence, conceptMasks: concepts, conceptNames: ["object", "rest"]);
    }

    [Fact]
    public void MasksFollowARandomResizedCropAndFlipToWhereTheObjectWent()
    {
        var crop = new RandomResizedCrop(new Pair(24, 20), scale: (0.2, 0.6), interpolation: InterpolationMode.NearestExact, antialias: false);
        var flip = new RandomHorizontalFlip();
        var transform = new Compose(crop, flip);
        var flips = new HashSet<bool>();
        for (ulong seed = 0; seed < 12; seed++)
        {
            using (var g = new Generator(seed))
            {
                var (_, _, ch, cw) = crop.DrawCrop(30, 40, g);
                Assert.True(ch < 30 || cw < 40);
                flips.Add(flip.DrawFlip(g));
            }
            using var masked = ColouredObject();
            using (var g = new Generator(seed)) masked.ApplyTransform(transform, g);
            Assert.Equal([3L, 24, 20], masked.Image.Shape);
            Assert.Equal([2L, 24, 20], masked.ConceptMasks!.Shape);

            // The mask is exactly the pixels of the object's colour, wherever the crop and the flip put them.
            using var red = masked.Image.Select(0, 0);
            using var white = red.Eq(255);
            Assert.Equal(white.ToArray<bool>(), masked.EvidenceMask!.ToArray<bool>());
            using (var obj = masked.ConceptMask("object")) Assert.Equal(white.ToArray<bool>(), obj.ToArray<bool>());
            using (var rest = masked.ConceptMask("rest")) Assert.Equal(white.ToArray<bool>().Select(b => !b).ToArray(), rest.ToArray<bool>());

            // The image is the one the unmasked path makes from the same seed.
            using var original = ColouredObject();
            using var unmasked = new Sample(original.Image.Alias(), 0);
            using (var g = new Generator(seed)) unmasked.ApplyTransform(transform, g);
            Fixtures.AssertEqual(unmasked.Image, masked.Image);
        }
        Assert.Equal(2, flips.Count); // both flipped and unflipped draws were followed
    }

    [Fact]
    public void ABilinearRandomResizedCropLeavesTheImageAsTheUnmaskedPathMakesIt()
    {
        var transform = new Compose(new RandomResizedCrop(new Pair(16, 16)), new RandomHorizontalFlip(), new ToTensor());
        for (ulong seed = 0; seed < 4; seed++)
        {
            using var masked = ColouredObject();
            using var unmasked = new Sample(masked.Image.Clone(), 0);
            using (var g = new Generator(seed)) masked.ApplyTransform(transform, g);
            using (var g = new Generator(seed)) unmasked.ApplyTransform(transform, g);
            Fixtures.AssertEqual(unmasked.Image, masked.Image);
            Assert.Equal([16L, 16], masked.EvidenceMask!.Shape);
            Assert.Equal(ScalarType.Bool, masked.EvidenceMask.DType);
        }
    }

    [Fact]
    public void CollationRefusesImagesOfDifferentSizes()
    {
        using var a = new Sample(Tensor.Zeros([3, 4, 4], ScalarType.UInt8), 0, index: 3);
        using var b = new Sample(Tensor.Zeros([3, 5, 4], ScalarType.UInt8), 1, index: 8);
        var e = Assert.Throws<InvalidOperationException>(() => Batch.Collate([a, b]));
        Assert.Contains("sample 8 ([3, 5, 4] uint8)", e.Message);
    }

    [Fact]
    public void CollationKeepsFloatImagesAndScalesUint8Ones()
    {
        using var a = new Sample(Tensor.Full([1, 2, 2], 255, ScalarType.UInt8), 4);
        using var batch = Batch.Collate([a]);
        Assert.Equal([1f, 1, 1, 1], batch.Images.ToArray<float>());
        Assert.Null(batch.EvidenceMasks);
        using var f = new Sample(Tensor.Full([1, 2, 2], 3.5), 4);
        using var floats = Batch.Collate([f]);
        Assert.Equal([3.5f, 3.5f, 3.5f, 3.5f], floats.Images.ToArray<float>());
    }
}
