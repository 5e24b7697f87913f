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

    [Fact]
    public void ATransformThatResizesAMaskedSampleIsRefused()
    {
        using var masked = new Sample(Tensor.Zeros([3, 4, 4], ScalarType.UInt8), 1, evidenceMask: Tensor.Zeros([4, 4], ScalarType.Bool));
        var e = Assert.Throws<InvalidOperationException>(() => masked.ApplyTransform(new Crop()));
        Assert.Contains("photometric", e.Message);
        Assert.Equal([3L, 4, 4], masked.Image.Shape);

        using var plain = new Sample(Tensor.Zeros([3, 4, 4], ScalarType.UInt8), 1);
        plain.ApplyTransform(new Crop());
        Assert.Equal([3L, 2, 4], plain.Image.Shape);
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
