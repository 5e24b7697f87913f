using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Models;

namespace Ocular.Explain.Learned.LCam;

/// <summary>
/// The L-CAM explainer checkpoint (<c>.ocular</c>): a safetensors file of the attention mechanism's state dict with
/// <see cref="LCamMetadata"/> as JSON under <see cref="MetadataKey"/>; a run's <c>last.ocular</c> adds the optimizer,
/// scheduler and generator state (<see cref="Vision.Training.TrainingCheckpoint"/>). Written atomically.
/// </summary>
public static class LCamCheckpoint
{
    /// <summary>The safetensors metadata key holding the L-CAM metadata.</summary>
    public const string MetadataKey = "ocular.lcam";

    /// <summary>Writes <paramref name="attention"/>'s weights and <paramref name="metadata"/> to <paramref name="path"/> atomically.</summary>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="attention">The attention mechanism.</param>
    /// <param name="metadata">Its metadata (the version is filled in).</param>
    /// <param name="extraTensors">More tensors (e.g. optimizer state; names must not clash with the weights).</param>
    /// <param name="extraMetadata">More metadata entries.</param>
    public static void Save(string path, LCamAttention attention, LCamMetadata metadata,
        IReadOnlyDictionary<string, Tensor>? extraTensors = null, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        if (metadata.NumClasses != attention.NumClasses)
            throw new ArgumentException($"metadata says {metadata.NumClasses} classes but the attention mechanism has {attention.NumClasses}");
        ExplainerCheckpointFile.Save(path, attention, MetadataKey, (metadata with { OcularVersion = Engine.OcularVersion }).ToJson(),
            extraTensors, extraMetadata, "attention mechanism");
    }

    /// <summary>Reads only the metadata of a checkpoint.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not an L-CAM checkpoint (e.g. a classifier checkpoint).</exception>
    public static LCamMetadata ReadMetadata(string path) =>
        LCamMetadata.FromJson(ExplainerCheckpointFile.ReadMetadataJson(path, MetadataKey, "L-CAM", "an", "ocular train l-cam"), path);

    /// <summary>A fresh attention mechanism of the shape <paramref name="metadata"/> describes.</summary>
    public static LCamAttention CreateAttention(LCamMetadata metadata) => metadata.VariantKind == LCamVariant.Tame
        ? new TameAttention(metadata.LayerChannels, metadata.NumClasses)
        : new SingleLayerAttention(metadata.LayerChannels[0], metadata.NumClasses);

    /// <summary>Builds the attention mechanism of the checkpoint and loads its weights (in evaluation mode).</summary>
    /// <exception cref="InvalidDataException">The weights do not match the metadata.</exception>
    public static (LCamAttention Attention, LCamMetadata Metadata) Load(string path)
    {
        var metadata = ReadMetadata(path);
        var attention = CreateAttention(metadata);
        try
        {
            ExplainerCheckpointFile.LoadWeights(path, attention, $"an L-CAM-{metadata.Variant} attention mechanism");
            return (attention, metadata);
        }
        catch
        {
            attention.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Checks that <paramref name="metadata"/> (from <paramref name="path"/>) explains <paramref name="model"/>: same
    /// architecture, classes and weights hash. A copy of that classifier randomised by the sanity check
    /// (<see cref="Classifier.RandomisedFromWeightsHash"/>) is accepted: the check runs the trained explainer on it.
    /// </summary>
    /// <exception cref="InvalidDataException">It was trained for another classifier (the message says which).</exception>
    public static void CheckClassifier(string path, LCamMetadata metadata, Classifier model)
    {
        if (metadata.ClassifierArchitecture != model.Architecture || metadata.NumClasses != model.NumClasses)
            throw new InvalidDataException($"{path}: this L-CAM explains a {metadata.ClassifierArchitecture} classifier with {metadata.NumClasses} classes, " +
                                           $"not the {model.Architecture} with {model.NumClasses} classes given; train L-CAM for this classifier with `ocular train l-cam`");
        if (model.RandomisedFromWeightsHash == metadata.ClassifierWeightsHash) return;
        var hash = ClassifierCheckpoint.WeightsHash(model);
        if (hash != metadata.ClassifierWeightsHash)
            throw new InvalidDataException($"{path}: this L-CAM was trained for another {model.Architecture} classifier (weights hash {metadata.ClassifierWeightsHash[..12]}…" +
                                           $"{(metadata.ClassifierPath.Length > 0 ? $", {metadata.ClassifierPath}" : "")}), not the one given (weights hash {hash[..12]}…); " +
                                           "train L-CAM for this classifier with `ocular train l-cam`");
    }
}
