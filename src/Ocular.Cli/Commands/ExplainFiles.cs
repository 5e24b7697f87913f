using System.Text.Json;
using System.Text.Json.Nodes;
using Ocular.Explain;
using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Images;
using Ocular.Vision.Models;

namespace Ocular.Cli.Commands;

/// <summary>
/// What <c>ocular explain</c> writes, folded from its batches (<see cref="ExplainedBatch"/>) in input order by the one
/// process that writes — the only process, or rank 0 of a sharded run: each overlay as its batch arrives, then NAME.npy
/// per method, the contact sheet of the first rows and explain.json, each file atomically.
/// </summary>
internal sealed class ExplainFiles(string modelPath, ClassifierMetadata meta, IReadOnlyList<string> classNames, IReadOnlyList<IExplainer> explainers,
    IReadOnlyList<string> labels, TargetSelection selection, IReadOnlyList<(string Path, string Name)> inputs, string outDir, ColorMap colorMap, double alpha,
    int sheetRowLimit) : IDisposable
{
    private readonly List<Tensor>[] _maps = [.. explainers.Select(_ => new List<Tensor>())];
    private readonly List<Tensor> _sheetRows = [];
    private readonly JsonArray _predictions = [], _rows = [];
    private (long Height, long Width) _size;

    /// <summary>Adds the next batch: writes its overlays and keeps the rest (takes over its maps).</summary>
    public void Fold(ExplainedBatch batch)
    {
        for (var m = 0; m < explainers.Count; m++) _maps[m].Add(batch.Maps[m]);
        _size = batch.Size;
        var k = batch.RowsPerImage;
        for (var i = 0; i < batch.Predicted.Length; i++)
            _predictions.Add(new JsonObject { ["class"] = batch.Predicted[i], ["name"] = classNames[(int)batch.Predicted[i]], ["probability"] = Math.Round(batch.Probability[i], 6) });
        for (var r = 0; r < batch.Targets.Length; r++)
        {
            _rows.Add(new JsonObject
            {
                ["input"] = batch.Start + r / k, ["target"] = batch.Targets[r], ["target_name"] = classNames[(int)batch.Targets[r]],
                ["target_probability"] = Math.Round(batch.TargetProbability[r], 6), ["rank"] = k == 1 ? null : JsonValue.Create(r % k + 1),
            });
            var name = inputs[batch.Start + r / k].Name;
            var suffix = k == 1 ? "" : $"_top{r % k + 1}";
            for (var m = 0; m < explainers.Count; m++)
                AtomicFile.WriteAllBytes(Path.Combine(outDir, "overlays", $"{name}_{labels[m]}{suffix}.png"), batch.Overlays[r, m]);
            // The sheet's row: the overlays side by side, decoded from their (lossless) PNGs.
            if (_sheetRows.Count < sheetRowLimit)
            {
                var cells = Enumerable.Range(0, explainers.Count).Select(m => ImageIO.Decode(batch.Overlays[r, m])).ToList();
                try { _sheetRows.Add(Tensor.Cat(cells, 2)); }
                finally { foreach (var c in cells) c.Dispose(); }
            }
        }
    }

    /// <summary>Writes NAME.npy per method, sheet.png and explain.json; prints what was written.</summary>
    public void Finish()
    {
        var files = new JsonArray();
        for (var m = 0; m < explainers.Count; m++)
        {
            using var all = Tensor.Cat(_maps[m], 0);
            var file = labels[m] + ".npy";
            Npy.Save(Path.Combine(outDir, file), all);
            var settings = JsonSerializer.SerializeToNode(explainers[m].Settings) ?? new JsonObject();
            files.Add(new JsonObject
            {
                ["name"] = labels[m], ["method"] = explainers[m].Name, ["file"] = file, ["shape"] = new JsonArray([.. all.Shape.Select(s => (JsonNode)s)]),
                ["layers"] = explainers[m].Settings.TryGetValue("layers", out var l) && l is string[] ls ? new JsonArray([.. ls.Select(s => (JsonNode)s)]) : new JsonArray(),
                ["settings"] = settings,
            });
        }
        using (var sheet = Tensor.Cat(_sheetRows, 1))
            ImageIO.WritePng(Path.Combine(outDir, "sheet.png"), sheet);

        var json = new JsonObject
        {
            ["format"] = "ocular.explain/1",
            ["model"] = new JsonObject
            {
                ["path"] = Path.GetFullPath(modelPath), ["architecture"] = meta.Architecture, ["num_classes"] = meta.NumClasses,
            },
            ["preprocessing"] = new JsonObject
            {
                ["read_mode"] = meta.ReadMode.ToString().ToLowerInvariant(), ["resize_size"] = meta.ResizeSize, ["input_size"] = meta.InputSize,
                ["mean"] = new JsonArray([.. meta.Mean.Select(v => (JsonNode)v)]), ["std"] = new JsonArray([.. meta.Std.Select(v => (JsonNode)v)]),
                ["steps"] = "resize short side (bilinear, antialiased), centre crop, scale to [0, 1], normalise; maps and overlays are at this resolution",
            },
            ["target"] = selection.ToString(),
            ["targets_per_image"] = _rows.Count / Math.Max(1, inputs.Count),
            ["input_size"] = new JsonArray(_size.Height, _size.Width),
            ["inputs"] = new JsonArray([.. inputs.Select(f => (JsonNode)f.Path)]),
            ["predictions"] = _predictions,
            ["rows"] = _rows,
            ["methods"] = files,
            ["overlays"] = new JsonObject { ["folder"] = "overlays", ["colormap"] = colorMap.ToString().ToLowerInvariant(), ["image_weight"] = alpha },
            ["sheet"] = new JsonObject { ["file"] = "sheet.png", ["rows"] = _sheetRows.Count, ["columns"] = new JsonArray([.. labels.Select(l => (JsonNode)l)]) },
        };
        AtomicFile.WriteAllText(Path.Combine(outDir, "explain.json"), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"explained {inputs.Count} image{(inputs.Count == 1 ? "" : "s")} ({_rows.Count} map{(_rows.Count == 1 ? "" : "s")} per method) → {outDir}: " +
                          $"{string.Join(", ", labels.Select(l => l + ".npy"))}, overlays/, sheet.png" +
                          (_rows.Count > _sheetRows.Count ? $" (first {_sheetRows.Count} rows)" : "") + ", explain.json");
    }

    /// <summary>Frees the maps and the sheet's rows.</summary>
    public void Dispose()
    {
        foreach (var list in _maps)
            foreach (var t in list) t.Dispose();
        foreach (var t in _sheetRows) t.Dispose();
    }
}
