using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Images;

namespace Ocular.Vision.Tests;

/// <summary>Heat-map overlays against pytorch-grad-cam's show_cam_on_image (run with cv2 in make_images.py); exact.</summary>
public sealed class OverlayTests : IDisposable
{
    private readonly SafeTensors.Contents _fx = Fixtures.Load("images", "images.safetensors");

    public void Dispose() => _fx.Dispose();

    [Theory]
    [InlineData("overlay_jet_05", ColorMap.Jet, 0.5)]
    [InlineData("overlay_jet_03", ColorMap.Jet, 0.3)]
    [InlineData("overlay_viridis_07", ColorMap.Viridis, 0.7)]
    public void ReproducesShowCamOnImageExactly(string expected, ColorMap map, double imageWeight)
    {
        using var overlay = HeatmapOverlay.ShowCamOnImage(_fx.Tensors["overlay_image"], _fx.Tensors["overlay_mask"], map, imageWeight);
        Fixtures.AssertEqual(_fx.Tensors[expected], overlay);
    }

    [Fact]
    public void DefaultsAreJetAndHalfWeight()
    {
        using var overlay = HeatmapOverlay.ShowCamOnImage(_fx.Tensors["overlay_image"], _fx.Tensors["overlay_mask"]);
        Fixtures.AssertEqual(_fx.Tensors["overlay_jet_05"], overlay);
    }

    [Fact]
    public void RejectsMismatchedMaskAndOutOfRangeImage()
    {
        using var mask = Tensor.Zeros(29, 40);
        Assert.Throws<ArgumentException>(() => HeatmapOverlay.ShowCamOnImage(_fx.Tensors["overlay_image"], mask));
        using var bright = _fx.Tensors["overlay_image"].Mul(2);
        Assert.Throws<ArgumentException>(() => HeatmapOverlay.ShowCamOnImage(bright, _fx.Tensors["overlay_mask"]));
        Assert.Throws<ArgumentOutOfRangeException>(() => HeatmapOverlay.ShowCamOnImage(_fx.Tensors["overlay_image"], _fx.Tensors["overlay_mask"], imageWeight: 1.5));
    }
}
