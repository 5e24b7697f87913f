using Ocular.Explain.Methods;
using Ocular.Torch.Nn;
using Ocular.Vision.Models;

namespace Ocular.Explain.Learned.LCam;

/// <summary>The layers an L-CAM variant reads by default, and their validation (through the CAM family's layer rules).</summary>
public static class LCamLayers
{
    /// <summary>
    /// The default layers of <paramref name="variant"/> on <paramref name="model"/>. L-CAM-Fm and -Img: the
    /// architecture's default explained layer (<see cref="Classifier.DefaultLayer"/>: ResNet <c>layer4</c>, VGG-16
    /// <c>features.29</c>, the compact CNN <c>block4</c>; reference §2.1). TAME (§8.1): three layers ending at the
    /// default one — inside a Sequential (VGG, AlexNet) the last three max-pools of it (VGG-16 <c>features.16</c>,
    /// <c>.23</c>, <c>.30</c>), otherwise the default stage and the two stages before it (ResNet <c>layer2</c>–<c>layer4</c>,
    /// compact CNN <c>block2</c>–<c>block4</c>).
    /// </summary>
    public static IReadOnlyList<string> Default(Classifier model, LCamVariant variant)
    {
        var layer = model.DefaultLayer;
        if (variant != LCamVariant.Tame) return [layer];
        var dot = layer.LastIndexOf('.');
        if (dot >= 0 && model.GetSubmodule(layer[..dot]) is Sequential sequential)
        {
            var parent = layer[..dot];
            var pools = sequential.NamedChildren().Where(c => c.Module is MaxPool2d).Select(c => parent + "." + c.Name).ToList();
            if (pools.Count >= 3) return pools[^3..];
        }
        var stages = model.Stages.Where(s => s.IsLayer).Select(s => s.Name).ToList();
        var i = stages.IndexOf(layer);
        if (i < 2)
            throw new ArgumentException($"{model.Architecture} has no three default TAME layers ending at '{layer}'; name three with --layer");
        return stages.GetRange(i - 2, 3);
    }

    /// <summary>
    /// The layers to use: <paramref name="requested"/> (null or empty for <see cref="Default"/>), checked and put in
    /// forward order as every explainer's layers are. Fm and Img read one layer; TAME one or more.
    /// </summary>
    /// <exception cref="UnknownLayerException">A path names no layer (the message lists the valid ones).</exception>
    public static IReadOnlyList<string> Resolve(Classifier model, LCamVariant variant, IReadOnlyList<string>? requested)
    {
        var layers = LayerPass.Resolve(model, requested is { Count: > 0 } ? requested : Default(model, variant));
        if (variant != LCamVariant.Tame && layers.Count != 1)
            throw new ArgumentException($"L-CAM-{variant} reads one layer, got {layers.Count} ({string.Join(", ", layers)}); use --variant tame for several");
        return layers;
    }
}
