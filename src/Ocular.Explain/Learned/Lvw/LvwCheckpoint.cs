using System.Text.Json;
using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Models;
using Ocular.Vision.Models.Prototypes;

namespace Ocular.Explain.Learned.Lvw;

/// <summary>
/// A trained prototype network is a classifier checkpoint (<c>.ocular</c>: every command loads it like any classifier)
/// that also carries, under the metadata key <see cref="WordsKey"/>, where its words were last pushed
/// (<see cref="PushResult"/>: the training image and patch of each word), so that explanations can show each word's source.
/// </summary>
public static class LvwCheckpoint
{
    /// <summary>The safetensors metadata key of the words' sources.</summary>
    public const string WordsKey = "ocular.words";

    /// <summary>Writes the network, its metadata and the last push (if any) atomically, with optional extra tensors and metadata (training state).</summary>
    public static void Save(string path, PrototypeNetwork model, ClassifierMetadata metadata, PushResult? push,
        IReadOnlyDictionary<string, Tensor>? extraTensors = null, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var meta = new Dictionary<string, string>(extraMetadata ?? new Dictionary<string, string>());
        if (push is not null) meta[WordsKey] = JsonSerializer.Serialize(push, LvwTrainer.Json);
        ClassifierCheckpoint.Save(path, model, metadata, extraTensors, meta);
    }

    /// <summary>The words' sources recorded in a checkpoint, or null when its words were never pushed.</summary>
    /// <exception cref="InvalidDataException">The record is malformed.</exception>
    public static PushResult? ReadWords(string path)
    {
        var meta = SafeTensors.ReadMetadata(path);
        if (!meta.TryGetValue(WordsKey, out var json)) return null;
        try
        {
            return JsonSerializer.Deserialize<PushResult>(json, LvwTrainer.Json) ?? throw new InvalidDataException($"{path}: empty '{WordsKey}' metadata");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: malformed '{WordsKey}' metadata: {e.Message}", e);
        }
    }
}
