using Ocular.Evaluation.Metrics;
using Ocular.Explain.Baselines;
using Ocular.TestSupport;
using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Data;
using Ocular.Vision.Datasets;
using Ocular.Vision.Models;

namespace Ocular.Evaluation.Tests;

/// <summary>A data set without ground truth: another data set's images and labels, masks dropped.</summary>
internal sealed class WithoutMasks(IImageDataset inner) : IImageDataset
{
    public int Count => inner.Count;
    public IReadOnlyList<string> ClassNames => inner.ClassNames;

    public Sample Get(int index)
    {
        using var s = inner.Get(index);
        return new Sample(s.Image.Clone(), s.Label, s.Index, s.Path);
    }
}

/// <summary>The runner end to end on a tiny compact CNN and 8 Shapes test images of 32×32.</summary>
[Collection(GlobalStateCollection.Name)]
public sealed class EvaluatorTests : IDisposable
{
    internal const string ShapesSpec = "shapes:count=16,test-count=8,size=32";
    private readonly TempDirectory _dir = new();
    private readonly ClassifierCheckpoint.Loaded _checkpoint;
    private readonly IImageDataset _data = DataSpec.Parse(ShapesSpec).Open(DataSplit.Test);

    public EvaluatorTests()
    {
        _checkpoint = ClassifierCheckpoint.Load(TinyCheckpoint.Create(_dir.Path));
    }

    public void Dispose()
    {
        _checkpoint.Dispose();
        _dir.Dispose();
    }

    private Evaluator Evaluator => new(_checkpoint.Model, _checkpoint.Metadata);

    // The evidence masks of the evaluated images, [8, 32, 32] float: an oracle's maps.
    internal static Tensor EvidenceMaps(IImageDataset data, int count)
    {
        var masks = new List<Tensor>();
        for (var i = 0; i < count; i++)
            using (var s = data.Get(i)) masks.Add(s.EvidenceMask!.To(ScalarType.Float32));
        try { return Tensor.Stack(masks); }
        finally { foreach (var m in masks) m.Dispose(); }
    }

    [Fact]
    public void EveryMetricRunsForExplainersAndTheOracleScoresPerfectLocalisation()
    {
        using var oracle = EvidenceMaps(_data, 8);
        var methods = new[]
        {
            MethodSource.Explainer("random", _ => new RandomExplainer(1)),
            MethodSource.Explainer("centre-gaussian", _ => new CentreGaussianExplainer()),
            MethodSource.Explainer("oracle", _ => new SequenceExplainer("oracle", oracle)),
        };
        var settings = new EvaluationSettings { Metrics = [.. MetricCatalog.Defaults, "sanity"], ChunkSize = 5, BatchSize = 16, SanityImages = 4, GalleryImages = 3, RoadPercent = [20, 50] };
        var result = Evaluator.Run(_data, methods, settings);

        Assert.Equal(8, result.Images.Count);
        Assert.Equal(32, result.Step);
        Assert.Equal(["ad@100", "ad@50", "ad@15", "ic@100", "ic@50", "ic@15", "ag@100", "ag@50", "ag@15", "deletion", "insertion", "road-morf", "road-lerf",
            "pointing", "ebpg", "top1@100", "top1@50", "top1@15", "top5@100", "top5@50", "top5@15", "sanity"], result.Columns.Select(c => c.Key));
        foreach (var m in result.Methods)
        {
            Assert.All(result.Columns.Where(c => c.Key != "sanity"), c => Assert.True(double.IsFinite(m.Summary[c.Key]), $"{m.Name} {c.Key}"));
            Assert.All(m.PerImage.Values, v => Assert.Equal(8, v.Length));
            Assert.Equal(33, m.DeletionCurve!.Length);
            Assert.Equal(33, m.InsertionCurve!.Length);
            Assert.Equal([20, 50], m.RoadMorf!.Select(p => p.Percent));
        }
        var byName = result.Methods.ToDictionary(m => m.Name);
        Assert.Equal(100, byName["oracle"].Summary["pointing"]);
        Assert.Equal(100, byName["oracle"].Summary["ebpg"], 9);
        Assert.Equal(1.0, byName["centre-gaussian"].Summary["sanity"], 12);   // ignores the model
        // A seeded random baseline is model-independent too: every fresh explainer redraws the same noise.
        Assert.Equal(1.0, byName["random"].Summary["sanity"], 12);
        Assert.True(double.IsNaN(byName["oracle"].PerImage["sanity"][5]));     // sanity ran on the first 4 images only
        Assert.Equal(9, byName["oracle"].Sanity!.Layers.Count);
        Assert.Equal(3, result.Gallery.Count);
        Assert.All(result.Gallery, g => Assert.Equal(3, g.Overlays.Count));
        Assert.Contains(result.Extremes, x => x.Column == "deletion" && x.Method == "oracle" && x.Best);
        Assert.NotNull(result.CleanTop1);
        Assert.Contains(result.Notes, n => n.StartsWith("sanity: on the first 4 images", StringComparison.Ordinal));

        // The runner reproduces the metric functions on the same raw images (100 % AUC scale, % for AD).
        var m0 = byName["centre-gaussian"];
        using var raw = RawImages(8);
        var scorer = new ModelScorer(x => _checkpoint.Model.Call(x), _checkpoint.Metadata.Normalization, 7);
        using var clean = Predictions.Of(scorer, raw);
        using var cg = new CentreGaussianExplainer();
        using var maps = cg.Explain(raw, clean.Classes);
        using (var keep15 = ConfidenceChange.Evaluate(scorer, raw, maps, clean, 15))
            Assert.Equal(AverageDrop.Compute(keep15.Clean, keep15.Masked), m0.Summary["ad@15"], 4);
        var deletion = DeletionInsertion.Evaluate(scorer, raw, maps, clean, DeletionInsertion.Kind.Deletion, 32);
        Assert.Equal(deletion.MeanAuc, m0.Summary["deletion"], 6);
    }

    private Tensor RawImages(int count)
    {
        var transform = _checkpoint.Metadata.Preprocessing(normalise: false);
        var images = new List<Tensor>();
        for (var i = 0; i < count; i++)
            using (var s = _data.Get(i)) images.Add(transform.Apply(s.Image));
        try { return Tensor.Stack(images); }
        finally { foreach (var t in images) t.Dispose(); }
    }

    [Fact]
    public void ChunkAndBatchSizesDoNotChangeTheResults()
    {
        var methods = new[] { MethodSource.Explainer("cam", m => new CamTestExplainer(m)) };
        string[] metrics = ["ad", "ic", "ag", "deletion", "insertion", "pointing", "ebpg", "top1"];
        var a = Evaluator.Run(_data, methods, new EvaluationSettings { Metrics = metrics, ChunkSize = 3, BatchSize = 5, GalleryImages = 0 });
        var b = Evaluator.Run(_data, methods, new EvaluationSettings { Metrics = metrics, ChunkSize = 8, BatchSize = 64, GalleryImages = 0 });
        foreach (var column in a.Columns)
            for (var i = 0; i < 8; i++)
            {
                var (x, y) = (a.Methods[0].PerImage[column.Key][i], b.Methods[0].PerImage[column.Key][i]);
                Assert.True(double.IsNaN(x) ? double.IsNaN(y) : Math.Abs(x - y) <= 1e-4 * Math.Max(1, Math.Abs(x)), $"{column.Key} image {i}: {x} vs {y}");
            }
    }

    [Fact]
    public void MapsFromAFileScoreExactlyAsTheExplainerThatMadeThem()
    {
        // 10 maps for 8 images (extra rows are ignored), saved as .npy in data-set order.
        using (var cg = new CentreGaussianExplainer())
        using (var images = Tensor.Zeros([10, 3, 32, 32], ScalarType.Float32))
        using (var targets = Tensor.Zeros([10], ScalarType.Int64))
        using (var maps = cg.Explain(images, targets))
            Npy.Save(_dir.File("cg.npy"), maps);
        var methods = new[] { MethodSource.Explainer("centre-gaussian", _ => new CentreGaussianExplainer()), MethodSource.ParseMaps("from-file=" + _dir.File("cg.npy")) };
        var result = Evaluator.Run(_data, methods, new EvaluationSettings { ChunkSize = 5, RoadPercent = [30] });
        Assert.Equal("maps:" + _dir.File("cg.npy"), result.Methods[1].Source);
        foreach (var column in result.Columns)
            Assert.Equal(result.Methods[0].Summary[column.Key], result.Methods[1].Summary[column.Key]);
    }

    [Fact]
    public void MapsOfTheWrongShapeOrRangeAreErrorsNamingTheFile()
    {
        void Save(string name, Tensor t) { using (t) Npy.Save(_dir.File(name), t); }
        Save("small.npy", Tensor.Zeros(8, 16, 16));
        Save("few.npy", Tensor.Zeros(4, 32, 32));
        Save("flat.npy", Tensor.Zeros(8, 1024));
        using (var g = new Generator(0)) Save("wide.npy", Tensor.Rand([8, 32, 32], g).Mul(3).Sub(1));
        EvaluationResult Run(string file, bool normalize = false) =>
            Evaluator.Run(_data, [MethodSource.Maps("x", _dir.File(file))], new EvaluationSettings { Metrics = ["ad"], NormalizeMaps = normalize });

        var e = Assert.Throws<InvalidDataException>(() => Run("small.npy"));
        Assert.Contains("small.npy", e.Message);
        Assert.Contains("32×32", e.Message);
        Assert.Contains("4 maps for 8 evaluated images", Assert.Throws<InvalidDataException>(() => Run("few.npy")).Message);
        Assert.Contains("[N, H, W]", Assert.Throws<InvalidDataException>(() => Run("flat.npy")).Message);
        var range = Assert.Throws<InvalidDataException>(() => Run("wide.npy"));
        Assert.Contains("wide.npy", range.Message);
        Assert.Contains("--normalize-maps", range.Message);
        Assert.True(double.IsFinite(Run("wide.npy", normalize: true).Methods[0].Summary["ad@15"]));
        Assert.Throws<FileNotFoundException>(() => Run("missing.npy"));
    }

    [Fact]
    public void LocalisationMetricsNeedGroundTruth()
    {
        var data = new WithoutMasks(_data);
        var methods = new[] { MethodSource.Explainer("centre-gaussian", _ => new CentreGaussianExplainer()) };
        var e = Assert.Throws<ArgumentException>(() => Evaluator.Run(data, methods, new EvaluationSettings { Metrics = ["ad", "pointing"] }));
        Assert.Contains("pointing", e.Message);
        Assert.Contains("ground-truth masks", e.Message);

        var defaults = Evaluator.Run(data, methods, new EvaluationSettings { Metrics = null, RoadPercent = [50], GalleryImages = 1 });
        Assert.DoesNotContain(defaults.Columns, c => c.Key is "pointing" or "ebpg");
        Assert.Contains(defaults.Notes, n => n.StartsWith("pointing: skipped", StringComparison.Ordinal));
        Assert.Contains(defaults.Notes, n => n.StartsWith("ebpg: skipped", StringComparison.Ordinal));
    }

    [Fact]
    public void ShapesAtAnotherSizeAreResizedWithTheirMasks()
    {
        // 64×64 Shapes for the 32×32 model: the preprocessing's resize moves the evidence masks too (nearest-neighbour), so
        // the oracle made of the masks resized here independently scores perfect localisation at the model's input size.
        var large = DataSpec.Parse("shapes:count=16,test-count=8,size=64").Open(DataSplit.Test);
        using var masks = EvidenceMaps(large, 8);
        using var planes = masks.Unsqueeze(1);
        using var resized = Functional.Interpolate(planes, new Pair(32, 32), mode: InterpolationMode.NearestExact);
        using var oracle = resized.Squeeze(1);
        var methods = new[] { MethodSource.Explainer("oracle", _ => new SequenceExplainer("oracle", oracle)) };
        var result = Evaluator.Run(large, methods, new EvaluationSettings { Metrics = ["pointing", "ebpg"], ChunkSize = 8, BatchSize = 8, GalleryImages = 1 });
        Assert.Equal(8, result.Images.Count);
        Assert.Equal(100, result.Methods[0].Summary["pointing"]);
        Assert.Equal(100, result.Methods[0].Summary["ebpg"], 9);
    }

    [Fact]
    public void UnknownMetricsAndDuplicateMethodsAreRefused()
    {
        var e = Assert.Throws<UnknownMetricException>(() => MetricCatalog.Parse("ad,bogus"));
        Assert.Contains("bogus", e.Message);
        Assert.Contains("deletion", e.Message);
        var twice = new[] { MethodSource.Explainer("a", _ => new CentreGaussianExplainer()), MethodSource.Explainer("a", _ => new RandomExplainer()) };
        Assert.Contains("named twice", Assert.Throws<ArgumentException>(() => Evaluator.Run(_data, twice)).Message);
        var iou = Assert.Throws<ArgumentException>(() => Evaluator.Run(_data, [twice[0]], new EvaluationSettings { Metrics = ["iou"] }));
        Assert.Contains("--reference", iou.Message);
    }

    [Fact]
    public void ReferenceMetricsCompareWithTheReferenceMethod()
    {
        var methods = new[] { MethodSource.Explainer("centre-gaussian", _ => new CentreGaussianExplainer()), MethodSource.Explainer("random", _ => new RandomExplainer(3)) };
        var result = Evaluator.Run(_data, methods, new EvaluationSettings { Metrics = ["iou", "stability"], Reference = "centre-gaussian", GalleryImages = 0 });
        Assert.Equal(1.0, result.Methods[0].Summary["iou"], 9);
        Assert.Equal(1.0, result.Methods[0].Summary["stability"], 9);
        Assert.True(result.Methods[1].Summary["iou"] < 0.6);
    }
}
