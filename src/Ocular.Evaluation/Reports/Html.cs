using System.Text;

namespace Ocular.Evaluation.Reports;

/// <summary>Escaping for the report's XHTML-compatible HTML (only XML's predefined entities are used).</summary>
public static class Html
{
    /// <summary>Escapes text and attribute values: &amp;, &lt;, &gt;, " and '.</summary>
    public static string Escape(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var ch in text)
        {
            switch (ch)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '"': sb.Append("&quot;"); break;
                case '\'': sb.Append("&#39;"); break;
                default:
                    // Control characters are not allowed in XML 1.0 text.
                    if (ch < ' ' && ch is not ('\t' or '\n' or '\r')) sb.Append('?');
                    else sb.Append(ch);
                    break;
            }
        }
        return sb.ToString();
    }

    /// <summary>A PNG as a data: URI.</summary>
    public static string PngDataUri(byte[] png) => "data:image/png;base64," + Convert.ToBase64String(png);
}
