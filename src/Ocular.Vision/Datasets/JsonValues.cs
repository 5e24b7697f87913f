using System.Globalization;
using System.Text.Json;

namespace Ocular.Vision.Datasets;

/// <summary>
/// Typed reads of the current JSON value for the annotation readers: a value of the wrong kind is a
/// <see cref="FormatException"/> that names the key and what was found, which the reader wraps with the file and the
/// element it was reading.
/// </summary>
internal static class JsonValues
{
    public static long Int64(ref Utf8JsonReader reader, string key) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) ? value : throw Wrong(ref reader, key, "an integer");

    public static int Int32(ref Utf8JsonReader reader, string key) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var value) ? value : throw Wrong(ref reader, key, "an integer");

    public static double Double(ref Utf8JsonReader reader, string key) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var value) && double.IsFinite(value) ? value : throw Wrong(ref reader, key, "a number");

    public static string String(ref Utf8JsonReader reader, string key) =>
        reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw Wrong(ref reader, key, "a string");

    /// <summary>
    /// Moves to the next property of the object the reader is in: false at the object's end; otherwise
    /// <paramref name="key"/> is the property's name and the reader is on its value.
    /// </summary>
    public static bool NextProperty(ref Utf8JsonReader reader, out string key)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.EndObject)
        {
            key = "";
            return false;
        }
        key = reader.GetString()!;
        reader.Read();
        return true;
    }

    /// <summary>Reads the next token, which must start the named array or object.</summary>
    public static void Start(ref Utf8JsonReader reader, JsonTokenType start, string key)
    {
        reader.Read();
        if (reader.TokenType != start) throw Wrong(ref reader, key, start == JsonTokenType.StartArray ? "an array" : "an object");
    }

    public static FormatException Wrong(ref Utf8JsonReader reader, string key, string expected)
    {
        var found = reader.TokenType switch
        {
            JsonTokenType.String => $"the string \"{Shorten(reader.GetString()!)}\"",
            JsonTokenType.Number => $"the number {Shorten(System.Text.Encoding.UTF8.GetString(reader.ValueSpan))}",
            JsonTokenType.StartArray => "an array",
            JsonTokenType.StartObject => "an object",
            JsonTokenType.True or JsonTokenType.False => reader.GetBoolean().ToString(CultureInfo.InvariantCulture).ToLowerInvariant(),
            JsonTokenType.Null => "null",
            var other => other.ToString(),
        };
        return new FormatException($"'{key}' must be {expected}, got {found}");
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
