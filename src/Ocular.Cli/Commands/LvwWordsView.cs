using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ocular.Evaluation.Reports;
using Ocular.Explain.Learned.Lvw;
using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Images;
using Ocular.Vision.Models;
using Ocular.Vision.Models.Prototypes;

namespace Ocular.Cli.Commands;

/// <summary>
/// The part of <c>ocular explain --method lvw</c> beyond the map (issue 15, reference §0): for each image its
/// <see cref="Words"/> most similar words with their scores, each word's similarity on the image and the training patch
/// it was pushed onto — <c>lvw-words.html</c> and <c>lvw-words.json</c> beside the maps.
/// </summary>
internal static class LvwWordsView
{
    /// <summary>Words shown per image.</summary>
    public const int Words = 5;

    /// <summary>Writes the view for the first <paramref name="limit"/> inputs; returns the files written (none when the words were never pushed).</summary>
    public static IReadOnlyList<string> Write(string modelPath, PrototypeNetwork network, ClassifierMetadata meta, IReadOnlyList<(string Path, string Name)> inputs,
        string outDir, int limit)
    {
        WordSources sources;
        try
        {
            sources = WordSources.Open(modelPath, meta, network, null);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            Console.WriteLine($"lvw: no word view ({e.Message.Split('\n')[0]})");
            return [];
        }
        var raw = meta.Preprocessing(normalise: false);
        var images = new List<ImageWords>();
        var json = new JsonArray();
        foreach (var (path, name) in inputs.Take(limit))
        {
            using var scope = DisposeScope.Enter();
            var image = raw.Apply(ImageIO.Read(path, meta.ReadMode));
            var x = meta.Normalization.Apply(image.Unsqueeze(0));
            Tensor probabilities;
            using (Autograd.NoGrad()) probabilities = Torch.Functional.Softmax(network.Call(x), 1);
            var predicted = (int)probabilities.Argmax(1).Item<long>();
            var probability = probabilities.Select(1, predicted).Item<float>();
            var strongest = WordCatalog.Strongest(network, x, Words)[0];
            var hits = new List<WordHit>();
            var words = new JsonArray();
            foreach (var (word, score) in strongest)
            {
                using var overlay = WordCatalog.Overlay(network, word, image, meta.Normalization);
                hits.Add(new WordHit(word, score, ImageIO.EncodePng(overlay), sources.PatchPng(word), sources.Describe(word)));
                var s = sources.Push.Words[word];
                words.Add(new JsonObject
                {
                    ["word"] = word, ["score"] = Math.Round(score, 6),
                    ["source"] = new JsonObject { ["image"] = s.Image, ["path"] = s.Path, ["class"] = sources.ClassName(s.Label), ["high_activation"] = new JsonArray([.. s.HighActivation.Select(v => (JsonNode)v)]) },
                });
            }
            images.Add(new ImageWords(name, $"{sources.ClassName(predicted)} ({probability.ToString("P1", CultureInfo.InvariantCulture)})",
                ReportImages.ImagePng(image), hits));
            json.Add(new JsonObject { ["input"] = path, ["predicted"] = sources.ClassName(predicted), ["words"] = words });
        }
        var html = Path.Combine(outDir, "lvw-words.html");
        AtomicFile.WriteAllText(html, WordsHtml.RenderExplanations($"Ocular explain — the words of {network.Architecture}",
            [$"each image's {Words} most similar words: the word's similarity on the image, then the training patch it was pushed onto (from {sources.TrainData})",
             $"score: log((d + 1)/(d + 1e-4)) of the word's closest patch of the image; the lvw map is the maximum of the {LvwExplainer.TopWords} best words' maps"], images));
        var jsonPath = Path.Combine(outDir, "lvw-words.json");
        AtomicFile.WriteAllText(jsonPath, new JsonObject { ["format"] = "ocular.lvw-words/1", ["model"] = Path.GetFullPath(modelPath), ["images"] = json }
            .ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return [html, jsonPath];
    }
}
