using System.Text.Json;
using Ocular.Evaluation.Metrics;
using Ocular.Evaluation.Stability;

namespace Ocular.Evaluation.Reports;

/// <summary>
/// The stability study's results.json:
/// <code>
/// { "format": "ocular.stability/1", "ocular_version", "torch_version",
///   "settings": { "method", "layers", "seed", "data", "split", "images", "input_size": [H, W], "threshold",
///                 "iou_mode": "per-image"|"per-row-original", "export": "float"|"original-uint8", "batch_size",
///                 "pairing": "image identifier", "fgsm_epsilon": ε|null },
///   "models": [ { "label", "path", "architecture", "weights_sha256", "top1" } ],
///   "pairs": [ { "a", "b", "model_a", "model_b", "iou", "dice", "images" } ],
///   "mean": { "iou", "dice", "pairs" },
///   "fgsm": { "epsilon", "space", "models": [ { "model", "clean_top1", "adversarial_top1", "map_iou", "map_dice" } ] },
///   "warnings": [ ... ] }
/// </code>
/// IoU and Dice are means over the images (per pair) and over the pairs (<c>mean</c>); accuracies are in percent
/// (null without labels); <c>fgsm</c> is present only when asked for. Undefined values are null.
/// </summary>
public static class StabilityJson
{
    /// <summary>The format tag.</summary>
    public const string FormatTag = "ocular.stability/1";

    /// <summary>Renders the document (indented UTF-8 JSON).</summary>
    public static string Render(StabilityResult result) => JsonReport.Render(FormatTag, w =>
        {
            var o = result.Options;

            w.WriteStartObject("settings");
            w.WriteString("method", result.Method);
            w.WriteStartArray("layers");
            foreach (var layer in o.Explainer.Layers ?? []) w.WriteStringValue(layer);
            w.WriteEndArray();
            w.WriteNumber("seed", o.Explainer.Seed);
            w.WriteString("data", result.Data);
            w.WriteString("split", o.Split.ToString().ToLowerInvariant());
            w.WriteNumber("images", result.ImageIds.Count);
            w.WriteStartArray("input_size");
            w.WriteNumberValue(result.InputSize.Height);
            w.WriteNumberValue(result.InputSize.Width);
            w.WriteEndArray();
            w.WriteNumber("threshold", o.Threshold);
            w.WriteString("iou_mode", StabilityModeNames.Name(o.IoUMode));
            w.WriteString("export", StabilityModeNames.Name(o.Export));
            w.WriteNumber("batch_size", o.BatchSize);
            w.WriteString("pairing", "image identifier");
            Number(w, "fgsm_epsilon", o.FgsmEpsilon);
            w.WriteEndObject();

            w.WriteStartArray("models");
            foreach (var m in result.Models)
            {
                w.WriteStartObject();
                w.WriteString("label", m.Label);
                w.WriteString("path", m.Path);
                w.WriteString("architecture", m.Architecture);
                w.WriteString("weights_sha256", m.WeightsHash);
                Number(w, "top1", m.Top1);
                w.WriteEndObject();
            }
            w.WriteEndArray();

            w.WriteStartArray("pairs");
            foreach (var p in result.Pairs)
            {
                w.WriteStartObject();
                w.WriteNumber("a", p.A);
                w.WriteNumber("b", p.B);
                w.WriteString("model_a", result.Models[p.A].Label);
                w.WriteString("model_b", result.Models[p.B].Label);
                Number(w, "iou", p.MeanIoU);
                Number(w, "dice", p.MeanDice);
                w.WriteNumber("images", p.IoU.Length);
                w.WriteEndObject();
            }
            w.WriteEndArray();

            w.WriteStartObject("mean");
            Number(w, "iou", result.MeanIoU);
            Number(w, "dice", result.MeanDice);
            w.WriteNumber("pairs", result.Pairs.Count);
            w.WriteEndObject();

            if (result.Fgsm is { } fgsm)
            {
                w.WriteStartObject("fgsm");
                w.WriteNumber("epsilon", fgsm.Epsilon);
                w.WriteString("space", "raw [0, 1] pixels, clamped to [0, 1]; gradient of the cross-entropy of the true label through the normalisation");
                w.WriteStartArray("models");
                foreach (var m in fgsm.Models)
                {
                    w.WriteStartObject();
                    w.WriteString("model", result.Models[m.Model].Label);
                    Number(w, "clean_top1", m.CleanTop1);
                    Number(w, "adversarial_top1", m.AdversarialTop1);
                    Number(w, "map_iou", m.MapIoU);
                    Number(w, "map_dice", m.MapDice);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteStartArray("warnings");
            foreach (var warning in result.Warnings) w.WriteStringValue(warning);
            w.WriteEndArray();
        });

    private static void Number(Utf8JsonWriter w, string name, double? value) => JsonReport.Number(w, name, value);
}
