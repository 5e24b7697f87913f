using System.Text.Json;
using System.Text.Json.Serialization;
using Ocular.Torch;

namespace Ocular.Vision.Training;

/// <summary>
/// Writes a <see cref="Precision"/> in run directories and checkpoints as the command line spells it — <c>fp32</c>,
/// <c>bf16</c> or <c>auto</c> — and reads it back with <see cref="ResolvedPrecision.Parse"/> (docs/precision.md).
/// A config.json written before the option existed has no key, and its run keeps the default (float32).
/// </summary>
public sealed class PrecisionJsonConverter : JsonConverter<Precision>
{
    /// <summary>The name written for <paramref name="precision"/>: <c>fp32</c>, <c>bf16</c> or <c>auto</c>.</summary>
    public static string Name(Precision precision) => precision switch
    {
        Precision.Bf16 => "bf16",
        Precision.Auto => "auto",
        _ => "fp32",
    };

    /// <inheritdoc/>
    public override Precision Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String) throw new JsonException($"precision: expected \"fp32\", \"bf16\" or \"auto\", got a {reader.TokenType}");
        try
        {
            return ResolvedPrecision.Parse(reader.GetString()!);
        }
        catch (ArgumentException e)
        {
            throw new JsonException(e.Message, e);
        }
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, Precision value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(Name(value));
    }
}
