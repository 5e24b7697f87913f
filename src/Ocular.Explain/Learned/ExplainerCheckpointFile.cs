using Ocular.Torch;
using Ocular.Torch.Nn;
using Ocular.Torch.Serialization;
using Ocular.Vision.Models;

namespace Ocular.Explain.Learned;

/// <summary>
/// The file format shared by the learned explainers that are not classifiers (L-CAM's attention mechanism, LaViSE's
/// explainer): a safetensors file of one module's state dict with the explainer's JSON metadata under its own key, plus,
/// in a run's <c>last.ocular</c>, the optimisation state as extra tensors and metadata. Written atomically.
/// </summary>
internal static class ExplainerCheckpointFile
{
    /// <summary>Writes <paramref name="module"/>'s weights and the metadata atomically.</summary>
    public static void Save(string path, Module module, string metadataKey, string metadataJson,
        IReadOnlyDictionary<string, Tensor>? extraTensors, IReadOnlyDictionary<string, string>? extraMetadata, string what)
    {
        var state = module.StateDict();
        try
        {
            var tensors = new List<KeyValuePair<string, Tensor>>(state);
            if (extraTensors is not null)
                foreach (var (k, v) in extraTensors)
                {
                    if (state.ContainsKey(k)) throw new ArgumentException($"extra tensor '{k}' clashes with a weight of the {what}");
                    tensors.Add(new(k, v));
                }
            var meta = new Dictionary<string, string> { [metadataKey] = metadataJson };
            if (extraMetadata is not null)
                foreach (var (k, v) in extraMetadata)
                    meta[k] = k != metadataKey ? v : throw new ArgumentException($"'{metadataKey}' is reserved");
            SafeTensors.Save(path, tensors, meta);
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    /// <summary>The metadata JSON under <paramref name="metadataKey"/>; a file without it is refused naming what it is and how to make the right one.</summary>
    /// <param name="path">The file.</param>
    /// <param name="metadataKey">The explainer's metadata key.</param>
    /// <param name="name">The explainer's name in messages ("L-CAM").</param>
    /// <param name="article">Its article ("an").</param>
    /// <param name="makeWith">The command that makes one.</param>
    public static string ReadMetadataJson(string path, string metadataKey, string name, string article, string makeWith)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"no such {name} checkpoint: {path}", path);
        var meta = SafeTensors.ReadMetadata(path);
        if (meta.TryGetValue(metadataKey, out var json)) return json;
        var other = meta.ContainsKey(ClassifierCheckpoint.MetadataKey) ? "a classifier checkpoint, " : "";
        throw new InvalidDataException($"{path}: {other}not {article} {name} checkpoint (no '{metadataKey}' metadata; make one with `{makeWith}`)");
    }

    /// <summary>Loads the file's weights into <paramref name="module"/> (strict: every weight present, no other of the module's keys) and puts it in evaluation mode.</summary>
    /// <param name="path">The file.</param>
    /// <param name="module">The module, of the shape the metadata describes.</param>
    /// <param name="described">The module in messages, with its article ("an L-CAM-Fm attention mechanism").</param>
    public static void LoadWeights(string path, Module module, string described)
    {
        using var contents = SafeTensors.Load(path);
        var own = module.StateDict();
        var keys = own.Keys.ToHashSet();
        foreach (var t in own.Values) t.Dispose();
        try
        {
            module.LoadStateDict(contents.Tensors.Where(kv => keys.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value), strict: true);
        }
        catch (StateDictMismatchException e)
        {
            throw new InvalidDataException($"{path}: the weights do not match {described}: {e.Report}", e);
        }
        module.Eval();
    }
}
