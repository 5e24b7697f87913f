using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ocular.Explain.Learned.Lavise;

/// <summary>
/// What a LaViSE explainer checkpoint records beside the MLP's weights (JSON under <see cref="LaviseCheckpoint.MetadataKey"/>):
/// the explained classifier (architecture, weights hash) and layer with its measured shape, the word embedding it maps
/// into, and the label columns with their seen/unseen split — so that using it with another model, layer or embedding
/// is refused.
/// </summary>
public sealed record LaviseMetadata
{
    /// <summary>The format tag written into every checkpoint.</summary>
    public const string FormatTag = "ocular.lavise/1";

    /// <summary>The explained classifier's architecture.</summary>
    public required string ClassifierArchitecture { get; init; }

    /// <summary>The explained classifier's <see cref="Vision.Models.ClassifierCheckpoint.WeightsHash"/>.</summary>
    public required string ClassifierWeightsHash { get; init; }

    /// <summary>The classifier checkpoint it was trained on (informational).</summary>
    public string ClassifierPath { get; init; } = "";

    /// <summary>The explained layer.</summary>
    public required string Layer { get; init; }

    /// <summary>d, the layer's channels.</summary>
    public required long Channels { get; init; }

    /// <summary>h′ at the input size.</summary>
    public required long Height { get; init; }

    /// <summary>w′ at the input size.</summary>
    public required long Width { get; init; }

    /// <summary>The input size the features were computed at.</summary>
    public required int InputSize { get; init; }

    /// <summary>The word-embedding file (or description) the explainer maps into.</summary>
    public required string Embeddings { get; init; }

    /// <summary>E, the embedding dimension.</summary>
    public required long EmbeddingDimension { get; init; }

    /// <summary>The embedding's vocabulary size (a check that the same file is used).</summary>
    public required int EmbeddingWords { get; init; }

    /// <summary>The reference data set it was trained on.</summary>
    public required string Data { get; init; }

    /// <summary>The label columns and the seen/unseen split.</summary>
    public required ConceptVocabulary Vocabulary { get; init; }

    /// <summary>Training configuration and results (free-form), or null.</summary>
    public JsonObject? Training { get; init; }

    /// <summary>Ocular's version when the checkpoint was written.</summary>
    public string OcularVersion { get; init; } = "";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Serialises to JSON (snake_case keys, with the format tag).</summary>
    public string ToJson()
    {
        var node = JsonSerializer.SerializeToNode(this, Json)!.AsObject();
        node.Insert(0, "format", FormatTag);
        return node.ToJsonString(Json);
    }

    /// <summary>Parses JSON written by <see cref="ToJson"/>; <paramref name="source"/> names the file in errors.</summary>
    public static LaviseMetadata FromJson(string json, string source)
    {
        try
        {
            var node = JsonNode.Parse(json)?.AsObject() ?? throw new InvalidDataException($"{source}: the LaViSE metadata is empty");
            var format = node["format"]?.GetValue<string>();
            if (format != FormatTag) throw new InvalidDataException($"{source}: LaViSE metadata format '{format}' is not '{FormatTag}'");
            node.Remove("format");
            var metadata = node.Deserialize<LaviseMetadata>(Json) ?? throw new InvalidDataException($"{source}: the LaViSE metadata is empty");
            var v = metadata.Vocabulary;
            if (v.ConceptColumns.Count != v.Concepts.Count || v.Seen.Count != v.ColumnWords.Count || v.ConceptColumns.Any(c => c.Any(i => i < 0 || i >= v.ColumnWords.Count)))
                throw new InvalidDataException($"{source}: the LaViSE label columns are inconsistent ({v.Concepts.Count} concepts, {v.ColumnWords.Count} columns, {v.Seen.Count} seen flags)");
            return metadata;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new InvalidDataException($"{source}: the LaViSE metadata is malformed: {e.Message}", e);
        }
    }
}
