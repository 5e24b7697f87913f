using Ocular.Torch;
using Ocular.Vision.Models;

namespace Ocular.Explain.Learned.Lavise;

/// <summary>
/// The LaViSE explainer checkpoint (<c>.ocular</c>): the MLP's state dict with <see cref="LaviseMetadata"/> under
/// <see cref="MetadataKey"/>; a run's <c>last.ocular</c> adds the optimisation state. Written atomically.
/// </summary>
public static class LaviseCheckpoint
{
    /// <summary>The safetensors metadata key holding the LaViSE metadata.</summary>
    public const string MetadataKey = "ocular.lavise";

    /// <summary>Writes <paramref name="network"/>'s weights and <paramref name="metadata"/> atomically.</summary>
    public static void Save(string path, LaviseNetwork network, LaviseMetadata metadata,
        IReadOnlyDictionary<string, Tensor>? extraTensors = null, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        if (metadata.Channels != network.FeatureChannels || metadata.EmbeddingDimension != network.EmbeddingDimension)
            throw new ArgumentException($"metadata says {metadata.Channels} → {metadata.EmbeddingDimension} but the explainer is {network.FeatureChannels} → {network.EmbeddingDimension}");
        ExplainerCheckpointFile.Save(path, network, MetadataKey, (metadata with { OcularVersion = Engine.OcularVersion }).ToJson(),
            extraTensors, extraMetadata, "LaViSE explainer");
    }

    /// <summary>Reads only the metadata of a checkpoint.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not a LaViSE checkpoint (e.g. a classifier checkpoint).</exception>
    public static LaviseMetadata ReadMetadata(string path) =>
        LaviseMetadata.FromJson(ExplainerCheckpointFile.ReadMetadataJson(path, MetadataKey, "LaViSE", "a", "ocular train lavise"), path);

    /// <summary>Builds the explainer of the checkpoint and loads its weights (in evaluation mode).</summary>
    public static (LaviseNetwork Network, LaviseMetadata Metadata) Load(string path)
    {
        var metadata = ReadMetadata(path);
        var network = new LaviseNetwork(metadata.Channels, metadata.EmbeddingDimension);
        try
        {
            ExplainerCheckpointFile.LoadWeights(path, network, $"a LaViSE explainer {metadata.Channels} → {metadata.EmbeddingDimension}");
            return (network, metadata);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Checks that the explainer of <paramref name="path"/> explains <paramref name="layer"/> of <paramref name="model"/>:
    /// same architecture, weights hash and layer.
    /// </summary>
    /// <exception cref="InvalidDataException">It was trained for another model or layer (the message says which).</exception>
    public static void CheckModel(string path, LaviseMetadata metadata, Classifier model, string layer)
    {
        if (metadata.ClassifierArchitecture != model.Architecture)
            throw new InvalidDataException($"{path}: this LaViSE explainer explains a {metadata.ClassifierArchitecture}, not the {model.Architecture} given; " +
                                           "train one for this model with `ocular train lavise`");
        var hash = ClassifierCheckpoint.WeightsHash(model);
        if (hash != metadata.ClassifierWeightsHash)
            throw new InvalidDataException($"{path}: this LaViSE explainer was trained for another {model.Architecture} (weights hash {metadata.ClassifierWeightsHash[..12]}…" +
                                           $"{(metadata.ClassifierPath.Length > 0 ? $", {metadata.ClassifierPath}" : "")}), not the one given (weights hash {hash[..12]}…); " +
                                           "train one for this model with `ocular train lavise`");
        if (metadata.Layer != layer)
            throw new InvalidDataException($"{path}: this LaViSE explainer explains layer '{metadata.Layer}', not '{layer}'; use --layer {metadata.Layer} or train one for '{layer}'");
    }
}
