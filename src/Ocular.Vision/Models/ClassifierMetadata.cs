using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Ocular.Vision.Models;

/// <summary>
/// What an Ocular classifier checkpoint records beside the weights: the architecture, the classes, and
/// the preprocessing the model expects (resize the short side, centre-crop, normalise), plus free-form
/// training information. Stored as JSON under the safetensors metadata key <c>ocular.classifier</c>.
/// </summary>
public sealed record ClassifierMetadata
{
    /// <summary>The format tag written into every checkpoint.</summary>
    public const string FormatTag = "ocular.classifier/1";

    /// <summary>The registry name (<see cref="ModelZoo"/>).</summary>
    public required string Architecture { get; init; }

    /// <summary>The number of output classes.</summary>
    public required int NumClasses { get; init; }

    /// <summary>Input channels (3 for RGB, 1 for grayscale).</summary>
    public int InChannels { get; init; } = 3;

    /// <summary>Class names, one per output (may be empty when unknown).</summary>
    public IReadOnlyList<string> ClassNames { get; init; } = [];

    /// <summary>The square input side the model sees (after the centre crop).</summary>
    public required int InputSize { get; init; }

    /// <summary>The short side images are resized to before the centre crop (equal to <see cref="InputSize"/> when no crop).</summary>
    public required int ResizeSize { get; init; }

    /// <summary>Per-channel means of the normalisation.</summary>
    public required double[] Mean { get; init; }

    /// <summary>Per-channel standard deviations of the normalisation.</summary>
    public required double[] Std { get; init; }

    /// <summary>Training configuration and results (free-form), or null.</summary>
    public JsonObject? Training { get; init; }

    /// <summary>Ocular's version when the checkpoint was written.</summary>
    public string OcularVersion { get; init; } = "";

    /// <summary>libtorch's version when the checkpoint was written.</summary>
    public string TorchVersion { get; init; } = "";

    /// <summary>The normalisation as an object.</summary>
    [JsonIgnore]
    public ImageNormalization Normalization => new(Mean, Std);

    /// <summary>How images are read for this model (grayscale for one input channel).</summary>
    [JsonIgnore]
    public Images.ImageMode ReadMode => InChannels == 1 ? Images.ImageMode.Grayscale : Images.ImageMode.Rgb;

    /// <summary>
    /// The evaluation preprocessing of a decoded uint8 [C, H, W] image: resize the short side to
    /// <see cref="ResizeSize"/> (bilinear, antialiased), centre-crop <see cref="InputSize"/>, scale to
    /// [0, 1], and normalise unless <paramref name="normalise"/> is false (the metrics mask raw images).
    /// </summary>
    public Transforms.ITransform Preprocessing(bool normalise = true)
    {
        var steps = new List<Transforms.ITransform> { new Transforms.Resize(ResizeSize), new Transforms.CenterCrop(InputSize), new Transforms.ToTensor() };
        if (normalise) steps.Add(new Transforms.Normalize(Normalization));
        return new Transforms.Compose([.. steps]);
    }

    /// <summary>The class name of output <paramref name="index"/> (its number when names are unknown).</summary>
    public string ClassName(long index) =>
        index >= 0 && index < ClassNames.Count ? ClassNames[(int)index] : index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = false,
    };

    /// <summary>Serialises to JSON (snake_case keys, with the format tag).</summary>
    public string ToJson()
    {
        var node = JsonSerializer.SerializeToNode(this, Json)!.AsObject();
        node.Insert(0, "format", FormatTag);
        return node.ToJsonString(Json);
    }

    /// <summary>Parses JSON written by <see cref="ToJson"/>; <paramref name="source"/> names the file in errors.</summary>
    public static ClassifierMetadata FromJson(string json, string source)
    {
        try
        {
            var node = JsonNode.Parse(json)?.AsObject() ?? throw new InvalidDataException($"{source}: the classifier metadata is empty");
            var format = node["format"]?.GetValue<string>();
            if (format != FormatTag) throw new InvalidDataException($"{source}: classifier metadata format '{format}' is not '{FormatTag}'");
            node.Remove("format");
            return node.Deserialize<ClassifierMetadata>(Json) ?? throw new InvalidDataException($"{source}: the classifier metadata is empty");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{source}: the classifier metadata is malformed: {e.Message}", e);
        }
    }
}
