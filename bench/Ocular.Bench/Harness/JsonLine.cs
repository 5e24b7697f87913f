using System.Text;
using System.Text.Json;

namespace Ocular.Bench.Harness;

/// <summary>
/// Writes one result as a JSON line: <c>{"bench", "value", "unit"}</c> first (the fields every consumer
/// reads), then extra fields (side, suite, threads, n, repeat, warmup, min, max, target, …).
/// bench/python/benchlib.py's <c>emit</c> writes the same fields.
/// </summary>
public static class JsonLine
{
    /// <summary>The JSON text of one result (no newline).</summary>
    public static string Format(string bench, double value, string unit, IEnumerable<KeyValuePair<string, object?>> extra)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("bench", bench);
            w.WritePropertyName("value");
            WriteNumber(w, value);
            w.WriteString("unit", unit);
            foreach (var (key, v) in extra)
            {
                w.WritePropertyName(key);
                switch (v)
                {
                    case null: w.WriteNullValue(); break;
                    case string s: w.WriteStringValue(s); break;
                    case bool b: w.WriteBooleanValue(b); break;
                    case int i: w.WriteNumberValue(i); break;
                    case long l: w.WriteNumberValue(l); break;
                    case double d: WriteNumber(w, d); break;
                    default: JsonSerializer.Serialize(w, v, v.GetType()); break;
                }
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    // Six significant digits (enough for any timing, and benchlib.py's rounding); NaN and ∞ become null.
    private static void WriteNumber(Utf8JsonWriter w, double v)
    {
        if (!double.IsFinite(v)) { w.WriteNullValue(); return; }
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        w.WriteNumberValue(double.Parse(v.ToString("G6", inv), inv));
    }
}
