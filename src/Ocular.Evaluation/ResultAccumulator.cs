using Ocular.Evaluation.Metrics;
using Ocular.Torch;

namespace Ocular.Evaluation;

/// <summary>
/// Folds the chunks' outcomes (<see cref="ChunkOutcome"/>), in data-set order, into what the result is made of: the image
/// records, the clean top-k hits, every method's accumulated metrics, the report's pictures and the sanity check's first
/// images. Whether one process computed every chunk or several ranks each computed some, the same outcomes are folded in
/// the same order, so the result is the same to the last bit.
/// </summary>
internal sealed class ResultAccumulator(IReadOnlyList<MethodSource> methods, EvaluationPlan plan, EvaluationSettings settings, int total) : IDisposable
{
    private readonly List<ImageRecord> _records = new(total);
    private readonly List<bool> _cleanTop1 = [], _cleanTop5 = [];
    private readonly List<MethodAccumulator> _methods = [.. methods.Select(m => new MethodAccumulator(m, plan, total, settings.RoadPercent.Count))];
    private readonly GalleryBuilder _gallery = new();
    private readonly List<SanityPart> _sanity = [];

    /// <summary>The images folded so far.</summary>
    public int Images => _records.Count;

    /// <summary>Adds the next chunk (it must start where the last one ended); takes over its sanity tensors.</summary>
    public void Fold(ChunkOutcome outcome)
    {
        if (outcome.Start != _records.Count)
        {
            outcome.Sanity?.Dispose();
            throw new InvalidOperationException($"the chunk of images {outcome.Start}… was folded after {_records.Count} images: chunks must be folded in order");
        }
        if (outcome.Sanity is { } part) _sanity.Add(part);
        _records.AddRange(outcome.Records);
        _cleanTop1.AddRange(outcome.CleanTop1);
        _cleanTop5.AddRange(outcome.CleanTop5);
        for (var m = 0; m < _methods.Count; m++) _methods[m].Fold(outcome.Start, outcome.Methods[m]);
        _gallery.Fold(outcome.Gallery, outcome.Extremes, plan.Columns);
    }

    /// <summary>The sanity check's images, classes and every explainer method's maps (new tensors the caller owns), or null when none were kept.</summary>
    public (Tensor Images, Tensor Targets, Dictionary<string, Tensor> Maps)? SanityInputs()
    {
        if (_sanity.Count == 0) return null;
        var maps = _sanity[0].Maps.Keys.ToDictionary(name => name, name => Tensor.Cat([.. _sanity.Select(p => p.Maps[name])], 0));
        return (Tensor.Cat([.. _sanity.Select(p => p.Images)], 0), Tensor.Cat([.. _sanity.Select(p => p.Targets)], 0), maps);
    }

    /// <summary>The result over every image.</summary>
    public EvaluationResult Finish(EvaluationRunInfo info, string architecture, int step, int size, IReadOnlyList<string> classNames, bool hasLabels,
        IReadOnlyDictionary<string, SanityCheck.Result> sanity)
    {
        if (_records.Count != total) throw new InvalidOperationException($"{_records.Count} of {total} images were folded");
        var categories = _records.Select(r => r.Label >= 0 ? r.Label : r.Predicted).ToArray();
        return new EvaluationResult
        {
            Info = info,
            Architecture = architecture,
            Settings = settings,
            Metrics = [.. MetricCatalog.Names.Where(plan.Has)],
            Step = step,
            InputSize = (size, size),
            Columns = plan.Columns,
            Methods = [.. _methods.Select(a => a.Finish(categories, settings.RoadPercent, sanity.GetValueOrDefault(a.Source.Name)))],
            Images = _records,
            ClassNames = classNames,
            CleanTop1 = hasLabels ? _cleanTop1.Average(h => h ? 100.0 : 0.0) : null,
            CleanTop5 = hasLabels ? _cleanTop5.Average(h => h ? 100.0 : 0.0) : null,
            Notes = plan.Notes,
            Gallery = _gallery.Gallery,
            Extremes = _gallery.Extremes(plan.Columns, [.. methods.Select(m => m.Name)]),
        };
    }

    /// <summary>Frees the sanity check's tensors.</summary>
    public void Dispose()
    {
        foreach (var part in _sanity) part.Dispose();
    }
}
