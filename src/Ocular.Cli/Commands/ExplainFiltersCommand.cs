using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Ocular.Evaluation.Reports;
using Ocular.Explain.Learned.Lavise;
using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Datasets;
using Ocular.Vision.Models;
using Spectre.Console;

namespace Ocular.Cli.Commands;

/// <summary>
/// <c>ocular explain-filters</c>: explains filters of a layer with words through a trained LaViSE explainer (lavise.md §4)
/// and scores them with recall@k against the reference data's concept masks (§5.2), beside the frequency baseline:
/// <c>filters.json</c>, <c>filters.csv</c>, <c>filters.html</c> and the recall table.
/// </summary>
internal static class ExplainFiltersCommand
{
    /// <summary>What one run of the command is asked to do.</summary>
    public sealed record Request
    {
        public required string Model { get; init; }
        public required string Explainer { get; init; }
        public string? Layer { get; init; }
        public string Filters { get; init; } = "all";
        public string? Data { get; init; }
        public DataSplit Split { get; init; } = DataSplit.Test;
        public int? Limit { get; init; }
        public string? Embeddings { get; init; }
        public IReadOnlyList<FilterMasking> Methods { get; init; } = [FilterMasking.FilterAttention];
        public FilterExplanationOptions Options { get; init; } = new();
        public int PageImages { get; init; } = 8;
        public string? StatisticsCache { get; init; }
        public required string Output { get; init; }
    }

    /// <summary>The results of every method.</summary>
    public sealed record Outcome(IReadOnlyList<FilterExplanations> Results, string HtmlPath, string JsonPath, string CsvPath);

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "the classifier whose filters are explained (.ocular)", Required = true };
        var explainer = new Option<string>("--explainer") { Description = "the trained LaViSE explainer (ocular train lavise's best.ocular)", Required = true };
        var layer = new Option<string?>("--layer") { Description = "the explained layer (default: the explainer's; another is refused)" };
        var filters = new Option<string>("--filters") { Description = "filters to explain: all, a list (0,25,50), a range (0-511) or a stepped range (0-511:25)", DefaultValueFactory = _ => "all" };
        var data = new Option<string?>("--data") { Description = "the reference data (default: the explainer's training data)" };
        var split = new Option<string>("--split") { Description = "train or test", DefaultValueFactory = _ => "test" };
        var limit = new Option<int?>("--limit") { Description = "use the first N reference images (default all)" };
        var embeddings = new Option<string?>("--embeddings") { Description = "the word vectors (default: the explainer's)" };
        var method = new Option<string>("--method") { Description = $"masking method(s), comma-separated, or all: {string.Join(", ", FilterMaskings.All.Select(m => m.Name))} (default projection, the code's filter attention)", DefaultValueFactory = _ => "projection" };
        var p = new Option<int>("-p") { Description = "top activating images per filter", DefaultValueFactory = _ => 25 };
        var s = new Option<int>("-s") { Description = "words per image", DefaultValueFactory = _ => 5 };
        var x = new Option<int>("-x") { Description = "words per filter", DefaultValueFactory = _ => 10 };
        var weighting = new Option<string>("--weighting") { Description = "words weighted by the image's max activation: none (default, the paper), floor (the original code) or ceil", DefaultValueFactory = _ => "none" };
        var vocabulary = new Option<string?>("--vocabulary") { Description = "a word list (one per line, e.g. the original's entities.txt): only its words explain a filter" };
        var afterCut = new Option<bool>("--filter-after-cut") { Description = "apply --vocabulary after the top-x cut, as the original (fewer than x words may remain)" };
        var recall = new Option<string>("--recall") { Description = "per-image (default, the reproduction's) or filter (the filter's cumulative ranking)", DefaultValueFactory = _ => "per-image" };
        var pageImages = new Option<int>("--page-images") { Description = "top images shown per filter in filters.html", DefaultValueFactory = _ => 8 };
        var batchSize = new Option<int>("--batch-size") { Description = "images per forward pass", DefaultValueFactory = _ => 32 };
        var cache = new Option<string?>("--stats-cache") { Description = "directory of cached filter statistics (default ~/.cache/ocular/filter-statistics)" };
        var output = new Option<string>("--out") { Description = "output directory", Required = true };
        var command = new Command("explain-filters", "Explain a layer's filters with words through a trained LaViSE explainer, with recall@k against the reference data's concept masks");
        foreach (var o in new Option[] { model, explainer, layer, filters, data, split, limit, embeddings, method, p, s, x, weighting, vocabulary, afterCut, recall, pageImages, batchSize, cache, output })
            command.Options.Add(o);
        command.SetAction(parse =>
        {
            if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 160);
            var request = new Request
            {
                Model = parse.GetValue(model)!, Explainer = parse.GetValue(explainer)!, Layer = parse.GetValue(layer), Filters = parse.GetValue(filters)!,
                Data = parse.GetValue(data), Split = EvaluateCommand.ParseSplit(parse.GetValue(split)!), Limit = parse.GetValue(limit),
                Embeddings = parse.GetValue(embeddings), Methods = ParseMethods(parse.GetValue(method)!),
                Options = new FilterExplanationOptions
                {
                    TopImages = parse.GetValue(p), WordsPerImage = parse.GetValue(s), WordsPerFilter = parse.GetValue(x),
                    Weighting = ParseWeighting(parse.GetValue(weighting)!), Vocabulary = ReadVocabulary(parse.GetValue(vocabulary)),
                    FilterAfterCut = parse.GetValue(afterCut), Recall = ParseRecall(parse.GetValue(recall)!), BatchSize = parse.GetValue(batchSize),
                },
                PageImages = parse.GetValue(pageImages), StatisticsCache = parse.GetValue(cache), Output = parse.GetValue(output)!,
            };
            var outcome = Run(request, quiet: false);
            Console.WriteLine($"wrote {outcome.HtmlPath}");
            Console.WriteLine($"wrote {outcome.JsonPath}");
            Console.WriteLine($"wrote {outcome.CsvPath}");
            return 0;
        });
        return command;
    }

    /// <summary>Explains, scores and writes the outputs; prints the recall table and a few filters unless <paramref name="quiet"/>.</summary>
    public static Outcome Run(Request request, bool quiet)
    {
        request.Options.Validate();
        if (request.Limit is < 1) throw new ArgumentException($"--limit must be at least 1, got {request.Limit}");
        if (request.PageImages < 0) throw new ArgumentException($"--page-images must not be negative, got {request.PageImages}");
        if (!File.Exists(request.Model)) throw new FileNotFoundException($"--model: no such checkpoint: {request.Model}", request.Model);
        var metadata = LaviseCheckpoint.ReadMetadata(request.Explainer);
        using var loaded = ClassifierCheckpoint.Load(request.Model);
        var layer = request.Layer ?? metadata.Layer;
        LaviseCheckpoint.CheckModel(request.Explainer, metadata, loaded.Model, layer);
        var (network, _) = LaviseCheckpoint.Load(request.Explainer);
        using var __ = network;
        var features = new LaviseFeatures(loaded.Model, layer, metadata.InputSize);
        if (features.Channels != metadata.Channels)
            throw new InvalidDataException($"{request.Explainer}: the explainer takes {metadata.Channels} channels but {layer} has {features.Channels}");
        var spec = DataSpec.Parse(request.Data ?? metadata.Data);
        var reference = spec.Open(request.Split);
        if (request.Limit is { } n && n < reference.Count) reference = new FirstImages(reference, n);
        var filters = ParseFilters(request.Filters, (int)features.Channels);
        using var embeddings = LaviseData.OpenEmbeddings(request.Embeddings ?? metadata.Embeddings);
        if (embeddings.Dimension != metadata.EmbeddingDimension)
            throw new InvalidDataException($"{request.Explainer}: the explainer maps into {metadata.EmbeddingDimension}-d words but {embeddings.Source} has {embeddings.Dimension}-d vectors");
        var transform = loaded.Metadata.Preprocessing();
        var seen = metadata.Vocabulary.Concepts.Where((_, c) => metadata.Vocabulary.ConceptColumns[c].All(col => metadata.Vocabulary.Seen[col])).ToHashSet(StringComparer.Ordinal);

        var cacheDirectory = request.StatisticsCache ?? FilterStatistics.DefaultCacheDirectory;
        var cachePath = FilterStatistics.CachePath(cacheDirectory, metadata.ClassifierWeightsHash, layer, metadata.InputSize, $"{spec}|{request.Split}", reference.Count);
        var positions = reference.Count * features.Height * features.Width;
        var statistics = FilterStatistics.TryLoad(cachePath, (int)features.Channels, reference.Count, positions);
        var results = new List<FilterExplanations>();
        using var kept = new ReferenceFeatures();   // the statistics pass's feature maps, reused by every method
        var progressColumns = new ProgressColumn[] { new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn() };
        AnsiConsole.Progress().AutoClear(true).Columns(progressColumns).Start(ctx =>
        {
            if (statistics is null)
            {
                var task = ctx.AddTask($"filter thresholds and maxima over {reference.Count} images", maxValue: reference.Count);
                statistics = FilterStatistics.Compute(features, reference, transform, request.Options.BatchSize, 2, new InlineProgress(d => task.Value = d.Done), CancellationToken.None, kept);
                statistics.Save(cachePath);
            }
            foreach (var method in request.Methods)
            {
                var task = ctx.AddTask($"{method.Name()}: explaining {filters.Count} filters", maxValue: 1);
                var explainer = new FilterExplainer(features, network, embeddings, statistics, kept);
                results.Add(explainer.Explain(reference, transform, filters, request.Options with { Method = method }, seen,
                    new InlineProgress(d => { task.MaxValue = d.Total; task.Value = d.Done; })));
            }
        });

        Directory.CreateDirectory(request.Output);
        var jsonPath = Path.Combine(request.Output, "filters.json");
        AtomicFile.WriteAllText(jsonPath, Json(request, metadata, layer, spec, reference.Count, statistics!, results));
        var csvPath = Path.Combine(request.Output, "filters.csv");
        AtomicFile.WriteAllText(csvPath, Csv(results));
        var htmlPath = Path.Combine(request.Output, "filters.html");
        AtomicFile.WriteAllText(htmlPath, Page(request, loaded.Metadata, metadata, layer, spec, reference, features, statistics!, results));
        if (!quiet) Print(results);
        return new Outcome(results, htmlPath, jsonPath, csvPath);
    }

    private sealed class InlineProgress(Action<(int Done, int Total)> report) : IProgress<(int Done, int Total)>
    {
        public void Report((int Done, int Total) value) => report(value);
    }

    /// <summary><c>all</c>, <c>0,25,50</c>, <c>0-511</c> or <c>0-511:25</c> (also combined with commas), checked against the layer's filters.</summary>
    public static IReadOnlyList<int> ParseFilters(string text, int channels)
    {
        if (text.Trim().Equals("all", StringComparison.OrdinalIgnoreCase)) return [.. Enumerable.Range(0, channels)];
        var result = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int Int(string s) => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v
                : throw new FormatException($"--filters: '{part}' is not a filter, a range A-B or a stepped range A-B:STEP");
            var colon = part.Split(':');
            var range = colon[0].Split('-');
            var (from, to) = range.Length == 2 ? (Int(range[0]), Int(range[1])) : range.Length == 1 ? (Int(range[0]), Int(range[0])) : throw new FormatException($"--filters: bad range '{part}'");
            var step = colon.Length == 2 ? Int(colon[1]) : colon.Length == 1 ? 1 : throw new FormatException($"--filters: bad range '{part}'");
            if (step < 1 || to < from) throw new FormatException($"--filters: '{part}' is an empty range");
            for (var u = from; u <= to; u += step)
                result.Add(u < channels ? u : throw new ArgumentOutOfRangeException(nameof(text), $"--filters: filter {u} does not exist; the layer has {channels} filters (0–{channels - 1})"));
        }
        if (result.Count == 0) throw new FormatException("--filters names no filter");
        return [.. result.Distinct()];
    }

    private static IReadOnlyList<FilterMasking> ParseMethods(string text) => text.Trim().Equals("all", StringComparison.OrdinalIgnoreCase)
        ? [FilterMasking.OriginalImage, FilterMasking.ImageMasking, FilterMasking.ActivationMasking, FilterMasking.FilterAttention, FilterMasking.FilterAttentionCosine]
        : [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(FilterMaskings.Parse).Distinct()];

    private static ActivationWeighting ParseWeighting(string text) => text.Trim().ToLowerInvariant() switch
    {
        "none" => ActivationWeighting.None,
        "floor" => ActivationWeighting.Floor,
        "ceil" => ActivationWeighting.Ceil,
        _ => throw new FormatException($"--weighting: '{text}' is not none, floor or ceil"),
    };

    private static RecallDefinition ParseRecall(string text) => text.Trim().ToLowerInvariant() switch
    {
        "per-image" => RecallDefinition.PerImage,
        "filter" => RecallDefinition.FilterLevel,
        _ => throw new FormatException($"--recall: '{text}' is not per-image or filter"),
    };

    private static HashSet<string>? ReadVocabulary(string? path)
    {
        if (path is null) return null;
        if (!File.Exists(path)) throw new FileNotFoundException($"--vocabulary: no such file: {path}", path);
        var words = File.ReadLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToHashSet(StringComparer.Ordinal);
        return words.Count > 0 ? words : throw new FormatException($"--vocabulary: {path} lists no words");
    }

    private static IEnumerable<RecallEntry> RecallEntries(IReadOnlyList<FilterExplanations> results) =>
        results.SelectMany(r => r.Recall.Select(row => new RecallEntry(r.Method.Name(), row.Group, row.At, row.Pairs)))
            .Concat(results.Take(1).SelectMany(r => r.Baseline.Select(row => new RecallEntry("frequency baseline", row.Group, row.At, row.Pairs))));

    private static string Json(Request request, LaviseMetadata metadata, string layer, DataSpec spec, int images, FilterStatistics statistics, IReadOnlyList<FilterExplanations> results) =>
        JsonSerializer.Serialize(new
        {
            format = "ocular.filters/1",
            model = Path.GetFullPath(request.Model),
            explainer = Path.GetFullPath(request.Explainer),
            architecture = metadata.ClassifierArchitecture,
            layer,
            data = spec.Text,
            split = request.Split.ToString().ToLowerInvariant(),
            images,
            embeddings = metadata.Embeddings,
            quantile = FilterStatistics.Quantile,
            options = new
            {
                p = request.Options.TopImages, s = request.Options.WordsPerImage, x = request.Options.WordsPerFilter,
                weighting = request.Options.Weighting.ToString().ToLowerInvariant(), vocabulary = request.Options.Vocabulary?.Count,
                filter_after_cut = request.Options.FilterAfterCut, recall = request.Options.Recall == RecallDefinition.PerImage ? "per-image" : "filter",
                iou_threshold = request.Options.IouThreshold,
            },
            most_frequent_concepts = statistics.MostFrequentConcepts(20),
            methods = results.Select(r => new
            {
                method = r.Method.Name(),
                recall = r.Recall.Select(Row),
                baseline = r.Baseline.Select(Row),
                seconds = r.Seconds,
                filters = r.Filters.Select(f => new
                {
                    filter = f.Filter, threshold = f.Threshold,
                    words = f.Words.Select(w => new { word = w.Word, count = w.Count }),
                    images = f.Images.Select(i => new { image = i.Image, path = i.Path, max_activation = i.MaxActivation, words = i.Words.Take(request.Options.WordsPerImage), ground_truth = i.GroundTruth }),
                }),
            }),
        }, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals });

    private static object Row(RecallRow row) => new { group = row.Group, pairs = row.Pairs, recall = row.At.ToDictionary(kv => $"@{kv.Key}", kv => kv.Value) };

    private static string Csv(IReadOnlyList<FilterExplanations> results)
    {
        var sb = new StringBuilder("method,filter,threshold,rank,word,count\n");
        foreach (var r in results)
            foreach (var f in r.Filters)
                for (var i = 0; i < f.Words.Count; i++)
                    sb.Append(CultureInfo.InvariantCulture, $"{r.Method.Name()},{f.Filter},{f.Threshold:G6},{i + 1},\"{f.Words[i].Word.Replace("\"", "\"\"", StringComparison.Ordinal)}\",{f.Words[i].Count}\n");
        return sb.ToString();
    }

    private static string Page(Request request, ClassifierMetadata classifier, LaviseMetadata metadata, string layer, DataSpec spec, IImageDataset reference,
        LaviseFeatures features, FilterStatistics statistics, IReadOnlyList<FilterExplanations> results)
    {
        var first = results[0];
        var raw = classifier.Preprocessing(normalise: false);
        var entries = first.Filters.Select(f => new FilterEntry(f.Filter, f.Threshold, [.. f.Words.Select(w => (w.Word, w.Count))],
            [.. f.Images.Take(request.PageImages).Select(image =>
            {
                using var scope = DisposeScope.Enter();
                using var sample = reference.Get(image.Image);
                sample.ApplyTransform(raw);
                var region = FilterExplainer.ActivatedRegion(image, f.Threshold, features.Height, features.Width, features.InputSize).To(ScalarType.Float32);
                // The activated region at full brightness, the rest dimmed (NetDissect's way of showing a unit's region).
                var shown = sample.Image.To(ScalarType.Float32) * (region * 0.7 + 0.3);
                return new FilterImageEntry(image.Path is { } p ? Path.GetFileName(p) : $"#{image.Image}", image.MaxActivation, ReportImages.ImagePng(shown),
                    [.. image.Words.Take(request.Options.WordsPerImage)], image.GroundTruth);
            })])).ToList();
        var title = $"Ocular filters — {metadata.ClassifierArchitecture} {layer}, {first.Method.Name()}, reference {spec} {request.Split.ToString().ToLowerInvariant()} ({reference.Count} images)";
        var notes = new List<string>
        {
            $"words: the {request.Options.WordsPerFilter} most frequent of the {request.Options.WordsPerImage} nearest words ({metadata.Embeddings}, {metadata.EmbeddingWords:N0} words) of each of the filter's {request.Options.TopImages} most activating images; ties by embedding row",
            $"highlighted: where the filter's bilinearly upsampled activation exceeds T, its {FilterStatistics.Quantile * 100:G4}th percentile over all positions of all reference images",
            $"recall: {(request.Options.Recall == RecallDefinition.PerImage ? "each image's own top-k words" : "the filter's cumulative top-k ranking")} against the concepts whose masks overlap the highlighted region (IoU > {request.Options.IouThreshold.ToString(CultureInfo.InvariantCulture)}); " +
            "seen/unseen: the concepts the explainer was and was not trained on; frequency baseline: the reference data's most frequent concepts, against the whole image",
        };
        return FiltersHtml.Render(title, notes, [.. RecallEntries(results)], entries);
    }

    private static void Print(IReadOnlyList<FilterExplanations> results)
    {
        var entries = RecallEntries(results).ToList();
        var ks = entries[0].At.Keys.Order().ToList();
        var table = new Table().AddColumns(["words from", "concepts", .. ks.Select(k => $"R@{k}"), "pairs"]);
        foreach (var e in entries)
            table.AddRow([Markup.Escape(e.Source), e.Group, .. ks.Select(k => double.IsNaN(e.At[k]) ? "—" : e.At[k].ToString("F3", CultureInfo.InvariantCulture)), e.Pairs.ToString(CultureInfo.InvariantCulture)]);
        AnsiConsole.Write(table);
        foreach (var f in results[0].Filters.Take(10))
            Console.WriteLine($"filter {f.Filter}: {string.Join(", ", f.Words.Select(w => $"{w.Word} ({w.Count})"))}");
        if (results[0].Filters.Count > 10) Console.WriteLine($"… {results[0].Filters.Count - 10} more filters in filters.json");
    }
}
