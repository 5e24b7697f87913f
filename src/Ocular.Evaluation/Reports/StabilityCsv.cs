using System.Globalization;
using System.Text;
using Ocular.Evaluation.Stability;

namespace Ocular.Evaluation.Reports;

/// <summary>
/// The stability study's results.csv: one row per pair of models, columns <c>a,b,model_a,model_b,iou,dice,images</c>
/// (model positions, labels, mean IoU and Dice over the images, the number of images). Numbers in invariant culture
/// with round-trip precision; fields with commas, quotes or line breaks are quoted (RFC 4180).
/// </summary>
public static class StabilityCsv
{
    /// <summary>The header line's columns.</summary>
    public static readonly string[] Header = ["a", "b", "model_a", "model_b", "iou", "dice", "images"];

    /// <summary>Renders the table.</summary>
    public static string Render(StabilityResult result)
    {
        var sb = new StringBuilder();
        sb.Append(string.Join(',', Header)).Append('\n');
        foreach (var p in result.Pairs)
            sb.Append(p.A.ToString(CultureInfo.InvariantCulture)).Append(',').Append(p.B.ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(ResultsCsv.Field(result.Models[p.A].Label)).Append(',').Append(ResultsCsv.Field(result.Models[p.B].Label)).Append(',')
              .Append(ResultsCsv.Number(p.MeanIoU)).Append(',').Append(ResultsCsv.Number(p.MeanDice)).Append(',')
              .Append(p.IoU.Length.ToString(CultureInfo.InvariantCulture)).Append('\n');
        return sb.ToString();
    }
}
