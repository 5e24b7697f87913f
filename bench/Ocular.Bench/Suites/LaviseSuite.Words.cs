using Ocular.Bench.Harness;
using Ocular.Explain.Learned.Lavise;
using Ocular.Explain.Semantics;
using Ocular.Torch;

namespace Ocular.Bench.Suites;

// The inference workloads of the lavise suite: every filter of layer4 explained in words, and a top-20 query batch in a
// GloVe-sized table.
public sealed partial class LaviseSuite
{
    private const int ReferenceImages = 200;
    private const int Filters = 512;
    private const int QuickFilters = 32;
    private const int VocabularyWords = 20_000;
    private const int TopImages = 25;
    private const int WordsPerImage = 5;
    private const int WordsPerFilter = 10;
    private const int StatisticsBatch = 32;
    private const int VocabularyRows = 400_000;
    private const int Queries = 25;
    private const int NearestWords = 20;

    /// <summary>The words <c>w000000</c>… of a random vocabulary (the twin names them the same).</summary>
    private static string[] WordNames(int count) => [.. Enumerable.Range(0, count).Select(i => $"w{i:D6}")];

    private static Measurement ExplainAllFilters(Plan plan)
    {
        var rssBase = Memory.ResidentMb();
        using var classifier = BuildClassifier();
        var features = new LaviseFeatures(classifier, Layer, Size);
        // After the classifier from the same global generator, as the original's setup_explainer; untrained (random) weights.
        using var network = new LaviseNetwork(features.Channels, EmbeddingDimension);
        using var words = RandomWords(WordNames(VocabularyWords), 2, $"{VocabularyWords} random words");
        using var data = new LaviseConceptImages(ReferenceImages, Size);
        var transform = new IdentityTransform();
        var filters = Enumerable.Range(0, plan.PerSample).ToArray();
        var options = new FilterExplanationOptions
        {
            Method = FilterMasking.FilterAttention, TopImages = TopImages, WordsPerImage = WordsPerImage, WordsPerFilter = WordsPerFilter,
            // The original repeats each image's words int(max activation) times (§8.11); recall@5 only, so s = 5 words per image.
            Weighting = ActivationWeighting.Floor, RecallAt = [WordsPerImage], BatchSize = StatisticsBatch,
        };
        FilterExplanations? result = null;
        double statisticsCpu = double.NaN, explainCpu = double.NaN;
        var samples = Sampler.Run(plan, () =>
        {
            var start = Environment.CpuUsage.TotalTime;
            using var kept = new ReferenceFeatures();   // the statistics pass's features, reused (as `ocular explain-filters`)
            var statistics = FilterStatistics.Compute(features, data, transform, StatisticsBatch, workers: 0, progress: null, CancellationToken.None, kept);
            var middle = Environment.CpuUsage.TotalTime;
            result = new FilterExplainer(features, network, words, statistics, kept).Explain(data, transform, filters, options);
            (statisticsCpu, explainCpu) = ((middle - start).TotalSeconds, (Environment.CpuUsage.TotalTime - middle).TotalSeconds);
        });
        var explained = result!.Filters;
        var withWords = explained.Count(f => f.Words.Count > 0);
        if (explained.Count != filters.Length || withWords == 0)
            throw new InvalidOperationException($"sanity: {withWords} of {filters.Length} filters got words");
        return Measurement.Throughput(samples, filters.Length, FiltersPerSecond, new Dictionary<string, object>
        {
            ["filters"] = filters.Length,
            ["filters_explained"] = filters.Length,
            ["images"] = ReferenceImages,
            ["top_images"] = TopImages,
            ["words_per_image"] = WordsPerImage,
            ["words_per_filter"] = WordsPerFilter,
            ["vocabulary"] = VocabularyWords,
            ["method"] = "projection",
            ["weighting"] = "floor",
            ["filters_with_words"] = withWords,
            ["explanation_words"] = explained.Sum(f => f.Words.Count),
            ["explanation_count_sum"] = explained.Sum(f => f.Words.Sum(w => w.Count)),
            ["distinct_words"] = explained.SelectMany(f => f.Words.Select(w => w.Word)).Distinct().Count(),
            ["image_pairs"] = explained.Sum(f => f.Images.Count),
            // (filter, image) pairs with a concept in the recall's ground truth; the expert twin computes the same.
            ["truth_pairs"] = explained.Sum(f => f.Images.Count(i => i.GroundTruth.Count > 0)),
            // CPU seconds of the last sample's two passes over the images: the statistics, then the explanation (which
            // reads and runs its top images again).
            ["statistics_cpu_s"] = statisticsCpu,
            ["explain_cpu_s"] = explainCpu,
            ["filter0_words"] = string.Join(' ', explained[0].Words.Select(w => $"{w.Word}:{w.Count}")),
            // Over filters 0, 8, 16, … (those the reference twin explains; it extrapolates to all): the same on every side.
            ["stride8_count_sum"] = explained.Where(f => f.Filter % 8 == 0).Sum(f => f.Words.Sum(w => w.Count)),
            ["stride8_words"] = explained.Where(f => f.Filter % 8 == 0).Sum(f => f.Words.Count),
            ["trunk_weights_sum"] = TrunkSum(classifier),
            ["explainer_weights_sum"] = ParametersSum(network),
            ["inputs_sum"] = data.ImagesSum,
            ["words_sum"] = Sum(words.Vectors),
            ["rss_base_mb"] = rssBase ?? double.NaN,
        });
    }

    private static Measurement TopK(Plan plan)
    {
        var rssBase = Memory.ResidentMb();
        using var table = RandomWords(WordNames(VocabularyRows), 3, $"{VocabularyRows} random words");
        using var generator = new Generator(4);
        using var queries = Tensor.Randn([Queries, EmbeddingDimension], generator);
        WordMatches? matches = null;
        var samples = Sampler.Run(plan, () => matches = table.Nearest(queries, NearestWords));
        var rows = matches!.Rows;
        var top1 = Enumerable.Range(0, Queries).Sum(q => (long)rows[q, 0]);
        var all = Enumerable.Range(0, Queries).SelectMany(q => Enumerable.Range(0, NearestWords).Select(j => (long)rows[q, j])).Sum();
        return Measurement.TimePer(samples, plan, MillisecondsPerBatch, new Dictionary<string, object>
        {
            ["words"] = VocabularyRows,
            ["dimension"] = EmbeddingDimension,
            ["queries"] = Queries,
            ["k"] = NearestWords,
            ["top1_rows_sum"] = top1,
            ["topk_rows_sum"] = all,
            ["top1_score_sum"] = Enumerable.Range(0, Queries).Sum(q => (double)matches.Scores[q, 0]),
            ["inputs_sum"] = Sum(queries),
            ["rss_base_mb"] = rssBase ?? double.NaN,
        });
    }
}
