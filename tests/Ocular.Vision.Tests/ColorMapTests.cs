using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Images;

namespace Ocular.Vision.Tests;

/// <summary>Colour maps against cv2.applyColorMap (converted to RGB) over all 256 levels; exact.</summary>
public sealed class ColorMapTests : IDisposable
{
    private readonly SafeTensors.Contents _fx = Fixtures.Load("images", "images.safetensors");

    public void Dispose() => _fx.Dispose();

    [Theory]
    [InlineData("jet", ColorMap.Jet)]
    [InlineData("turbo", ColorMap.Turbo)]
    [InlineData("viridis", ColorMap.Viridis)]
    [InlineData("inferno", ColorMap.Inferno)]
    public void LevelsMapExactlyAsOpenCv(string name, ColorMap map)
    {
        using var rgb = ColorMaps.Apply(_fx.Tensors["colormap_input"], map);
        Assert.Equal([3L, 16, 16], rgb.Shape);
        Fixtures.AssertEqual(_fx.Tensors[$"colormap_{name}"], rgb);
    }

    [Fact]
    public void FloatValuesBecomeLevelsByTruncation()
    {
        // np.uint8(255 * v): 127.5 → 127, 254.99… → 254; out-of-range values are clamped.
        using var values = Tensor.FromArray(new[] { 0f, 0.5f, 1f, 0.999f, 1.5f, -0.2f }, 2, 3);
        using var levels = ColorMaps.ToLevels(values);
        Assert.Equal(new byte[] { 0, 127, 255, 254, 255, 0 }, levels.ToArray<byte>());
    }

    [Fact]
    public void FloatMapEqualsItsLevelsMap()
    {
        using var generator = new Generator(3);
        using var values = Tensor.Rand([5, 7], generator);
        using var levels = ColorMaps.ToLevels(values);
        using var fromFloat = ColorMaps.Apply(values, ColorMap.Viridis);
        using var fromLevels = ColorMaps.Apply(levels, ColorMap.Viridis);
        Fixtures.AssertEqual(fromLevels, fromFloat);
    }

    [Fact]
    public void RejectsColourImages()
    {
        using var image = Tensor.Zeros([3, 4, 4], ScalarType.UInt8);
        Assert.Throws<ArgumentException>(() => ColorMaps.Apply(image));
    }
}
