using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Ocular.Torch;

namespace Ocular.Evaluation.Reports;

/// <summary>
/// What every results.json of the project shares: indented UTF-8 JSON with relaxed escaping (paths and symbols as
/// written), one object that opens with <c>format</c>, <c>ocular_version</c> and <c>torch_version</c>, and undefined
/// numbers written as null.
/// </summary>
internal static class JsonReport
{
    /// <summary>Renders the object: the format tag and versions, then what <paramref name="body"/> writes.</summary>
    public static string Render(string formatTag, Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("format", formatTag);
            w.WriteString("ocular_version", Engine.OcularVersion);
            w.WriteString("torch_version", Engine.TorchVersion);
            body(w);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>A number, or null when it is missing, NaN or infinite.</summary>
    public static void Number(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v)) w.WriteNumber(name, v);
        else w.WriteNull(name);
    }
}
