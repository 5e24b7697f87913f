using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Ocular.Explain.Learned.LCam;

/// <summary>
/// What an L-CAM checkpoint records beside the attention mechanism's weights (JSON under the safetensors metadata key
/// <see cref="LCamCheckpoint.MetadataKey"/>): the variant, the layers, the classes, and the classifier it explains —
/// its architecture and <see cref="Vision.Models.ClassifierCheckpoint.WeightsHash"/>, so that using it with another
/// classifier is refused.
/// </summary>
public sealed record LCamMetadata
{
    /// <summary>The format tag written into every checkpoint.</summary>
    public const string FormatTag = "ocular.lcam/1";

    /// <summary><c>fm</c>, <c>img</c> or <c>tame</c>.</summary>
    public required string Variant { get; init; }

    /// <summary>The layers the attention mechanism reads, in forward order.</summary>
    public required IReadOnlyList<string> Layers { get; init; }

    /// <summary>The channels of each layer.</summary>
    public required IReadOnlyList<long> LayerChannels { get; init; }

    /// <summary>The number of class maps (the classifier's classes).</summary>
    public required int NumClasses { get; init; }

    /// <summary>The explained classifier's architecture.</summary>
    public required string ClassifierArchitecture { get; init; }

    /// <summary>The explained classifier's <see cref="Vision.Models.ClassifierCheckpoint.WeightsHash"/>.</summary>
    public required string ClassifierWeightsHash { get; init; }

    /// <summary>The classifier checkpoint it was trained on (informational).</summary>
    public string ClassifierPath { get; init; } = "";

    /// <summary>Training configuration and results (free-form), or null.</summary>
    public JsonObject? Training { get; init; }

    /// <summary>Ocular's version when the checkpoint was written.</summary>
    public string OcularVersion { get; init; } = "";

    /// <summary>The variant as an enum.</summary>
    [JsonIgnore]
    public LCamVariant VariantKind => LCamVariants.Parse(Variant);

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Serialises to JSON (snake_case keys, with the format tag).</summary>
    public string ToJson()
    {
        var node = JsonSerializer.SerializeToNode(this, Json)!.AsObject();
        node.Insert(0, "format", FormatTag);
        return node.ToJsonString(Json);
    }

    /// <summary>Parses JSON written by <see cref="ToJson"/>; <paramref name="source"/> names the file in errors.</summary>
    public static LCamMetadata FromJson(string json, string source)
    {
        try
        {
            var node = JsonNode.Parse(json)?.AsObject() ?? throw new InvalidDataException($"{source}: the L-CAM metadata is empty");
            var format = node["format"]?.GetValue<string>();
            if (format != FormatTag) throw new InvalidDataException($"{source}: L-CAM metadata format '{format}' is not '{FormatTag}'");
            node.Remove("format");
            var metadata = node.Deserialize<LCamMetadata>(Json) ?? throw new InvalidDataException($"{source}: the L-CAM metadata is empty");
            _ = metadata.VariantKind;
            if (metadata.Layers.Count == 0 || metadata.Layers.Count != metadata.LayerChannels.Count)
                throw new InvalidDataException($"{source}: the L-CAM metadata lists {metadata.Layers.Count} layers and {metadata.LayerChannels.Count} channel counts");
            return metadata;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new InvalidDataException($"{source}: the L-CAM metadata is malformed: {e.Message}", e);
        }
    }
}
