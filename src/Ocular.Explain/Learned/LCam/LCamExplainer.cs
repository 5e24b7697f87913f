using Ocular.Torch;
using Ocular.Vision;
using Ocular.Vision.Models;

namespace Ocular.Explain.Learned.LCam;

/// <summary>
/// The <c>l-cam</c> explainer: a trained L-CAM (Fm, Img or TAME, read from the checkpoint) explaining the classifier it
/// was trained for. The map of image n for class k_n is the attention mechanism's class map (reference l-cam.md §2.5):
/// c[n, k_n] (<see cref="LCamMapKind.Logits"/>, the published evaluation's, default) or a[n, k_n] (<see cref="LCamMapKind.Sigmoid"/>),
/// upsampled bilinearly (<c>align_corners=False</c>) to the input and min–max normalised per image
/// (<see cref="SaliencyMaps.Upsample"/>, <see cref="SaliencyMaps.Normalize"/>). No ReLU: the logit map is signed.
/// </summary>
/// <remarks>
/// The reference min-maxes at feature resolution and then upsamples; min–max commutes with bilinear upsampling up to
/// the final affine rescaling, so the maps are the reference's rescaled to span exactly [0, 1], as every Ocular map does.
/// One pass of the trunk and one small convolution give the maps of every class (§6).
/// </remarks>
public sealed class LCamExplainer : ExplainerBase
{
    /// <summary>The registry name.</summary>
    public const string MethodName = "l-cam";

    private readonly LCamNetwork _network;

    /// <summary>Loads the checkpoint named by <see cref="ExplainerOptions.Checkpoint"/> for <paramref name="model"/>.</summary>
    /// <exception cref="ArgumentException">No checkpoint was given.</exception>
    /// <exception cref="InvalidDataException">The checkpoint is not L-CAM's or was trained for another classifier.</exception>
    public LCamExplainer(Classifier model, ExplainerOptions options, LCamMapKind mapKind = LCamMapKind.Logits)
        : base(MethodName, model, options)
    {
        var path = options.Checkpoint ?? throw new ArgumentException(
            "l-cam needs its trained checkpoint: give --explainer RUN_DIR/best.ocular, or l-cam:FILE in --methods (train one with `ocular train l-cam`)");
        var (attention, metadata) = LCamCheckpoint.Load(path);
        try
        {
            LCamCheckpoint.CheckClassifier(path, metadata, model);
            // The normalisation is unused by inference (the images arrive normalised); the network keeps it for training.
            _network = new LCamNetwork(model, ImageNormalization.Identity, metadata.VariantKind, metadata.Layers, attention, freeze: false);
        }
        catch
        {
            attention.Dispose();
            throw;
        }
        Checkpoint = path;
        Metadata = metadata;
        MapKind = mapKind;
    }

    /// <summary>The checkpoint file.</summary>
    public string Checkpoint { get; }

    /// <summary>The checkpoint's metadata.</summary>
    public LCamMetadata Metadata { get; }

    /// <summary>The map shown.</summary>
    public LCamMapKind MapKind { get; }

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object?> Settings => new Dictionary<string, object?>(base.Settings)
    {
        ["variant"] = Metadata.Variant,
        ["layers"] = Metadata.Layers.ToArray(),
        ["map"] = MapKind == LCamMapKind.Logits ? "logits" : "sigmoid",
        ["checkpoint"] = Checkpoint,
    };

    /// <inheritdoc/>
    protected override Tensor ExplainCore(Tensor images, Tensor targets)
    {
        using var scope = DisposeScope.Enter();
        var maps = _network.ClassMaps(images, targets, MapKind);
        return scope.Keep(SaliencyMaps.Normalize(SaliencyMaps.Upsample(maps, images.Size(2), images.Size(3))));
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        _network.Dispose();
        base.Dispose();
    }
}
