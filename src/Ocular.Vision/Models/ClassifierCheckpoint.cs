using System.Security.Cryptography;
using Ocular.Torch;
using Ocular.Torch.Serialization;

namespace Ocular.Vision.Models;

/// <summary>
/// The Ocular classifier checkpoint (<c>.ocular</c>): a safetensors file of the model's state dict
/// with <see cref="ClassifierMetadata"/> as JSON under the metadata key <c>ocular.classifier</c>.
/// Written atomically; read back into a zoo model with strict key and shape checking.
/// </summary>
public static class ClassifierCheckpoint
{
    /// <summary>The safetensors metadata key holding the classifier metadata.</summary>
    public const string MetadataKey = "ocular.classifier";

    /// <summary>A loaded classifier (in evaluation mode) and its metadata.</summary>
    /// <param name="Model">The model.</param>
    /// <param name="Metadata">Its metadata.</param>
    /// <param name="Path">The file it came from.</param>
    public sealed record Loaded(Classifier Model, ClassifierMetadata Metadata, string Path) : IDisposable
    {
        /// <summary>Frees the model.</summary>
        public void Dispose() => Model.Dispose();
    }

    /// <summary>Writes <paramref name="model"/>'s weights and <paramref name="metadata"/> to <paramref name="path"/> atomically.</summary>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="model">The classifier.</param>
    /// <param name="metadata">Its metadata (versions are filled in).</param>
    /// <param name="extraTensors">More tensors to store under their own names (e.g. optimizer state, prefixed to avoid clashes).</param>
    /// <param name="extraMetadata">More metadata entries (keys other than <see cref="MetadataKey"/>).</param>
    public static void Save(string path, Classifier model, ClassifierMetadata metadata,
        IReadOnlyDictionary<string, Tensor>? extraTensors = null, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        if (metadata.NumClasses != model.NumClasses)
            throw new ArgumentException($"metadata says {metadata.NumClasses} classes but the model has {model.NumClasses}");
        if (metadata.ClassNames.Count != 0 && metadata.ClassNames.Count != metadata.NumClasses)
            throw new ArgumentException($"{metadata.ClassNames.Count} class names for {metadata.NumClasses} classes");
        var stamped = metadata with { OcularVersion = Engine.OcularVersion, TorchVersion = Engine.TorchVersion };
        // A TorchScript model is stored as its archive (graph and weights together), not as a state dict.
        var state = model is TorchScript.TorchScriptClassifier script
            ? new Dictionary<string, Tensor> { [TorchScriptArchiveKey] = Tensor.FromArray(script.Script.ToArchive()) }
            : model.StateDict();
        try
        {
            var tensors = new List<KeyValuePair<string, Tensor>>(state);
            if (extraTensors is not null)
                foreach (var (k, v) in extraTensors)
                {
                    if (state.ContainsKey(k)) throw new ArgumentException($"extra tensor '{k}' clashes with a model key");
                    tensors.Add(new(k, v));
                }
            var meta = new Dictionary<string, string> { [MetadataKey] = stamped.ToJson() };
            if (extraMetadata is not null)
                foreach (var (k, v) in extraMetadata)
                {
                    if (k == MetadataKey) throw new ArgumentException($"'{MetadataKey}' is reserved");
                    meta[k] = v;
                }
            SafeTensors.Save(path, tensors, meta);
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    /// <summary>The tensor holding a TorchScript model's archive (uint8) in a checkpoint.</summary>
    public const string TorchScriptArchiveKey = "torchscript.archive";

    /// <summary>
    /// Reads only the metadata of a checkpoint. A TorchScript archive (<c>.pt</c>) given directly has the defaults of
    /// <see cref="TorchScript.TorchScriptClassifier.DefaultMetadata"/> (its classes from a dry run).
    /// </summary>
    public static ClassifierMetadata ReadMetadata(string path)
    {
        if (File.Exists(path) && Torch.Jit.ScriptModule.LooksLikeArchive(path))
        {
            using var script = TorchScript.TorchScriptClassifier.Load(path, TorchScript.TorchScriptClassifier.DirectInputSize);
            return TorchScript.TorchScriptClassifier.DefaultMetadata(script);
        }
        var meta = SafeTensors.ReadMetadata(path);
        if (!meta.TryGetValue(MetadataKey, out var json))
            throw new InvalidDataException($"{path}: not an Ocular classifier checkpoint (no '{MetadataKey}' metadata; make one with `ocular import` or `ocular train classifier`)");
        return ClassifierMetadata.FromJson(json, path);
    }

    /// <summary>
    /// Builds the checkpoint's architecture and loads its weights (every model key must be present with
    /// its shape; extra tensors such as optimizer state are ignored). The model is in evaluation mode.
    /// </summary>
    public static Loaded Load(string path)
    {
        if (File.Exists(path) && Torch.Jit.ScriptModule.LooksLikeArchive(path))
        {
            var direct = TorchScript.TorchScriptClassifier.Load(path, TorchScript.TorchScriptClassifier.DirectInputSize);
            return new Loaded(direct, TorchScript.TorchScriptClassifier.DefaultMetadata(direct), path);
        }
        var metadata = ReadMetadata(path);
        using var contents = SafeTensors.Load(path);
        if (metadata.Architecture.StartsWith(TorchScript.TorchScriptClassifier.ArchitecturePrefix, StringComparison.Ordinal))
            return new Loaded(LoadTorchScript(path, metadata, contents), metadata, path);
        var model = ModelZoo.Create(metadata.Architecture, metadata.NumClasses, metadata.InChannels);
        try
        {
            var own = model.StateDict();
            var modelKeys = own.Keys.ToHashSet();
            foreach (var t in own.Values) t.Dispose();
            var weights = contents.Tensors.Where(kv => modelKeys.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value);
            try
            {
                model.LoadStateDict(weights, strict: true);
            }
            catch (Torch.Nn.StateDictMismatchException e)
            {
                throw new InvalidDataException($"{path}: the weights do not match {metadata.Architecture}: {e.Report}", e);
            }
            model.Eval();
            return new Loaded(model, metadata, path);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static TorchScript.TorchScriptClassifier LoadTorchScript(string path, ClassifierMetadata metadata, SafeTensors.Contents contents)
    {
        if (!contents.Tensors.TryGetValue(TorchScriptArchiveKey, out var archive))
            throw new InvalidDataException($"{path}: a TorchScript checkpoint ({metadata.Architecture}) without its '{TorchScriptArchiveKey}' tensor");
        var name = metadata.Architecture[TorchScript.TorchScriptClassifier.ArchitecturePrefix.Length..];
        var model = TorchScript.TorchScriptClassifier.Load(archive.ToArray<byte>(), path, name, metadata.InputSize, metadata.InChannels);
        if (model.NumClasses != metadata.NumClasses)
        {
            model.Dispose();
            throw new InvalidDataException($"{path}: the checkpoint says {metadata.NumClasses} classes but its TorchScript model returns {model.NumClasses}");
        }
        return model;
    }

    /// <summary>
    /// A fingerprint of a model's weights: SHA-256 over every state-dict key, dtype, shape and the bytes
    /// of its values, in order (hex). Explainer checkpoints record it to refuse another classifier.
    /// </summary>
    public static string WeightsHash(Torch.Nn.Module model)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var state = model.StateDict();
        try
        {
            foreach (var (key, tensor) in state)
            {
                sha.AppendData(System.Text.Encoding.UTF8.GetBytes($"{key}|{tensor.DType}|{Tensor.ShapeString(tensor.Shape)}|"));
                sha.AppendData(tensor.ToBytes());
            }
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
