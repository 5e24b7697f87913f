using Ocular.Evaluation.Stability;
using Ocular.Torch;

namespace Ocular.Evaluation.Tests.Stability;

/// <summary>Maps are paired by image identifier, never by position (lfi-cam.md §7 defect 2).</summary>
public class KeyedMapsTests
{
    [Fact]
    public void RowsAreReorderedToTheReferencesImages()
    {
        using var a = Tensor.FromArray(new float[] { 1, 2, 3 }, 3, 1, 1);
        using var b = Tensor.FromArray(new float[] { 30, 10, 20 }, 3, 1, 1);
        var reference = new KeyedMaps("model-a", ["x.png", "y.png", "z.png"], a);
        var other = new KeyedMaps("model-b", ["z.png", "x.png", "y.png"], b);
        using var aligned = KeyedMaps.Align(reference, other);
        Assert.Equal(new long[] { 3, 1, 1 }, aligned.Shape);
        Assert.Equal(new float[] { 10, 20, 30 }, aligned.ToArray<float>());
    }

    [Fact]
    public void AnImageMissingFromOneModelIsAnErrorNamingItAndBothModels()
    {
        using var a = Tensor.Zeros(2, 1, 1);
        using var b = Tensor.Zeros(2, 1, 1);
        var e = Assert.Throws<MapPairingException>(() => KeyedMaps.Align(new KeyedMaps("model-a", ["x.png", "y.png"], a), new KeyedMaps("model-b", ["x.png", "w.png"], b)));
        Assert.Equal("y.png", e.ImageId);
        Assert.Equal("image 'y.png' has a map from model-a but none from model-b", e.Message);
    }

    [Fact]
    public void AnImageListedTwiceIsAnError()
    {
        using var a = Tensor.Zeros(2, 1, 1);
        var e = Assert.Throws<MapPairingException>(() => KeyedMaps.Align(new KeyedMaps("model-a", ["#0", "#1"], a), new KeyedMaps("model-b", ["#1", "#1"], a)));
        Assert.Equal("#1", e.ImageId);
        Assert.Contains("model-b has two maps of image '#1'", e.Message);
    }

    [Fact]
    public void IdentifiersAreTheFileOrTheIndex()
    {
        Assert.Equal("/data/cat.jpg", KeyedMaps.IdOf("/data/cat.jpg", 4));
        Assert.Equal("#4", KeyedMaps.IdOf(null, 4));
    }
}
