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
        Assert.Contains("only Resize and CenterCrop", e.Message);
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
