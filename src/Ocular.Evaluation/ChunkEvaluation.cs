using Ocular.Evaluation.Metrics;
using Ocular.Explain;
using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Data;
using Ocular.Vision.Models;

namespace Ocular.Evaluation;

/// <summary>
/// Computes chunks of an evaluation (docs/metrics.md): per chunk the clean predictions once, every method's maps made
/// (explainer, targets = the predicted classes) or read (<c>.npy</c> rows in data-set order), every metric on them, and
/// the report's pictures. A process computes its chunks in data-set order, but not necessarily every chunk (sharded
/// evaluation): explainers whose maps depend on earlier calls skip the images of the chunks it does not compute
/// (<see cref="IExplainer.SkipImages"/>), so every chunk gives the numbers it gives in a single run.
/// </summary>
internal sealed class ChunkEvaluation : IDisposable
{
    private readonly ClassifierMetadata _metadata;
    private readonly IReadOnlyList<MethodSource> _methods;
    private readonly EvaluationSettings _settings;
    private readonly EvaluationPlan _plan;
    private readonly int _size, _step;
    private readonly bool _hasLabels;
    private readonly Dictionary<string, Tensor> _files = [];
    private readonly Dictionary<string, IExplainer> _explainers = [];
    private readonly ModelScorer _scorer;
    private readonly GalleryCandidates _candidates;
    private int _explainedUpTo;   // the images the explainers have explained or skipped

    public ChunkEvaluation(Classifier model, ClassifierMetadata metadata, IReadOnlyList<MethodSource> methods, EvaluationSettings settings, EvaluationPlan plan,
        int total, int step, bool hasLabels)
    {
        (_metadata, _methods, _settings, _plan, _step, _hasLabels) = (metadata, methods, settings, plan, step, hasLabels);
        _size = metadata.InputSize;
        _scorer = new ModelScorer(model, metadata.Normalization, settings.BatchSize, ResolvedPrecision.Resolve(settings.Precision).Effective);
        _candidates = new GalleryCandidates(settings.GalleryImages);
        try
        {
            foreach (var m in methods)
            {
                if (m.MapsPath is not null) _files[m.Name] = LoadMaps(m.MapsPath, total, _size);
                else _explainers[m.Name] = m.Factory!(model);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Whether any method is an explainer (the sanity check needs one).</summary>
    public bool HasExplainers => _explainers.Count > 0;

    /// <summary>The arithmetic of the metrics' network passes (fp32 or bf16).</summary>
    public Precision ScoringPrecision => _scorer.Precision;

    /// <summary>The arithmetic each explainer's network passes ran in (fp32 or bf16), by method; explainers without a network are absent.</summary>
    public IReadOnlyDictionary<string, string> MethodPrecisions =>
        _explainers.Select(e => (e.Key, Precision: e.Value.Settings.GetValueOrDefault("precision") as string))
                   .Where(e => e.Precision is not null)
                   .ToDictionary(e => e.Key, e => e.Precision!);

    /// <summary>
    /// Computes the chunk <paramref name="batch"/>, whose first image is at position <paramref name="start"/>;
    /// <paramref name="report"/> gets the fraction of the chunk done and the activity.
    /// </summary>
    public ChunkOutcome Compute(Batch batch, int start, Action<double, string> report)
    {
        using var scope = DisposeScope.Enter();
        var n = batch.Count;
        var raw = batch.Images;
        if (raw.Size(2) != _size || raw.Size(3) != _size)
            throw new InvalidDataException($"the preprocessed images are {raw.Size(2)}×{raw.Size(3)}, but the model takes {_size}×{_size}");
        using var clean = Predictions.Of(_scorer, raw);
        var labels = batch.Labels.ToArray<long>();
        var predicted = clean.Classes.ToArray<long>();
        var confidence = clean.Confidence.ToArray<float>();
        var records = Enumerable.Range(0, n).Select(i => new ImageRecord(start + i, batch.Indices[i], batch.Paths[i], labels[i], predicted[i], confidence[i])).ToList();
        var top1 = _hasLabels ? Accuracy.PerImage(clean.Probabilities, batch.Labels, 1) : [];
        var top5 = _hasLabels ? Accuracy.PerImage(clean.Probabilities, batch.Labels, 5) : [];

        var normalised = _metadata.Normalization.Apply(raw);
        foreach (var explainer in _explainers.Values) explainer.SkipImages(start - _explainedUpTo, _size, _size);
        _explainedUpTo = start + n;
        var maps = new Dictionary<string, Tensor>();
        foreach (var m in _methods)
        {
            report(0, $"{m.Name}: maps");
            maps[m.Name] = m.MapsPath is null
                ? SaliencyMaps.Prepare(SaliencyMaps.Explain(_explainers[m.Name], normalised, clean.Classes, _settings.ChunkSize), $"method {m.Name}", _settings.NormalizeMaps, start)
                : SaliencyMaps.Prepare(_files[m.Name].Narrow(0, start, n), m.MapsPath, _settings.NormalizeMaps, start);
        }
        var context = new ChunkContext(_scorer, raw, clean, batch.Labels, batch.EvidenceMasks, start, n, _settings, _plan, _step);
        var reference = _plan.Has("iou") || _plan.Has("stability") ? maps[_settings.Reference!] : null;
        var chunks = new List<MethodChunk>();
        for (var k = 0; k < _methods.Count; k++)
        {
            var name = _methods[k].Name;
            var done = (double)k / _methods.Count;
            chunks.Add(MethodMetrics.Compute(context, maps[name], reference, a => report(done, $"{name}: {a}")));
        }
        report(1, "gallery");
        var (gallery, extremes) = _candidates.Pick(context, records, [.. _methods.Select(m => m.Name)], chunks, maps, _plan.Columns);

        SanityPart? sanity = null;
        if (_plan.Has("sanity") && start < _settings.SanityImages && _explainers.Count > 0)
        {
            var take = Math.Min(n, _settings.SanityImages - start);
            sanity = new SanityPart(
                DisposeScope.Detach(normalised.Narrow(0, 0, take).Clone()),
                DisposeScope.Detach(clean.Classes.Narrow(0, 0, take).Clone()),
                _explainers.Keys.ToDictionary(name => name, name => DisposeScope.Detach(maps[name].Narrow(0, 0, take).Clone())));
        }
        return new ChunkOutcome { Start = start, Records = records, CleanTop1 = top1, CleanTop5 = top5, Methods = chunks, Gallery = gallery, Extremes = extremes, Sanity = sanity };
    }

    /// <summary>Frees the maps files and the explainers.</summary>
    public void Dispose()
    {
        foreach (var t in _files.Values) t.Dispose();
        foreach (var e in _explainers.Values) e.Dispose();
    }

    // A maps file: [N ≥ total, H, W] floating, at the model's input size.
    private static Tensor LoadMaps(string path, int total, int size)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: maps file not found", path);
        var maps = Npy.Load(path);
        try
        {
            if (maps.Dim != 3)
                throw new InvalidDataException($"{path}: maps must be [N, H, W] (one map per image), got shape {Tensor.ShapeString(maps.Shape)}");
            if (!maps.DType.IsFloatingPoint())
                throw new InvalidDataException($"{path}: maps must be floating point, got {maps.DType.TorchName()}");
            if (maps.Size(1) != size || maps.Size(2) != size)
                throw new InvalidDataException($"{path}: maps are {maps.Size(1)}×{maps.Size(2)} (shape {Tensor.ShapeString(maps.Shape)}), but the model's input is {size}×{size}");
            if (maps.Size(0) < total)
                throw new InvalidDataException($"{path}: {maps.Size(0)} maps for {total} evaluated images; one map per image, in data-set order, is needed");
            return maps;
        }
        catch
        {
            maps.Dispose();
            throw;
        }
    }
}
