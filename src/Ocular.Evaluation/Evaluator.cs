using Ocular.Evaluation.Metrics;
using Ocular.Evaluation.Sharding;
using Ocular.Torch;
using Ocular.Torch.Distributed;
using Ocular.Vision.Data;
using Ocular.Vision.Datasets;
using Ocular.Vision.Models;
using Ocular.Vision.Training;

namespace Ocular.Evaluation;

/// <summary>Where a run is: images finished (fractional within a chunk) and what is being computed.</summary>
/// <param name="ImagesDone">Images whose metrics are done, counting a chunk's methods proportionally.</param>
/// <param name="Images">Images in all.</param>
/// <param name="Activity">What runs now, in words.</param>
public sealed record EvaluationProgress(double ImagesDone, int Images, string Activity);

/// <summary>
/// Evaluates saliency methods on a classifier under Ocular's conventions (docs/metrics.md): the first N
/// images of a split go through the model's evaluation preprocessing (without normalisation) into raw
/// [0, 1] tensors, in chunks of <see cref="EvaluationSettings.ChunkSize"/> images; per chunk the clean
/// predictions are computed once, every method's maps are made (explainer, targets = the predicted
/// classes) or read (<c>.npy</c> rows in data-set order), and every metric runs on them, masked copies
/// scored in batches of <see cref="EvaluationSettings.BatchSize"/>. Memory is bounded by the chunk:
/// only per-image numbers, curve sums and the report's pictures outlive it.
/// </summary>
/// <remarks>
/// Sharded (docs/distributed.md): given a process group, every rank computes its chunks (<see cref="ChunkShard"/>:
/// in round j, rank r computes chunk j·W + r), the ranks exchange each round's outcomes — per-image values and curves,
/// ROAD's counts, the report's pictures, the sanity check's first images — and every rank folds them in data-set
/// order, as one process folds its chunks; the sanity check's cascade steps are dealt out likewise. Every rank returns
/// the result of one process run with the same settings and the same threads per process, to the last bit.
/// </remarks>
public sealed class Evaluator
{
    /// <summary>Creates an evaluator for a classifier (in evaluation mode) and its checkpoint metadata.</summary>
    public Evaluator(Classifier model, ClassifierMetadata metadata)
    {
        Model = model;
        Metadata = metadata;
    }

    /// <summary>The classifier.</summary>
    public Classifier Model { get; }

    /// <summary>Its preprocessing, normalisation and class names.</summary>
    public ClassifierMetadata Metadata { get; }

    /// <summary>Runs the evaluation, alone or as one rank of a group.</summary>
    /// <param name="dataset">The split to evaluate (its first <see cref="EvaluationSettings.Limit"/> images).</param>
    /// <param name="methods">The methods, by explainer factory or maps file; names must be unique.</param>
    /// <param name="settings">Metrics and settings (defaults when null).</param>
    /// <param name="info">What to call the model and data in the outputs.</param>
    /// <param name="progress">Called as chunks and methods finish (sharded: as this rank's chunks do, in images of every rank's).</param>
    /// <param name="group">
    /// The ranks to share the images with (every rank calls Run with the same arguments); null or a group of one: this
    /// process computes every image. Every rank returns the whole result.
    /// </param>
    /// <exception cref="ArgumentException">No method, duplicate names, a requested metric the data cannot support.</exception>
    /// <exception cref="InvalidDataException">A maps file of the wrong shape, or maps outside [0, 1] without <see cref="EvaluationSettings.NormalizeMaps"/>.</exception>
    /// <exception cref="DistributedException">Another rank failed, or an exchange timed out.</exception>
    public EvaluationResult Run(IImageDataset dataset, IReadOnlyList<MethodSource> methods, EvaluationSettings? settings = null,
        EvaluationRunInfo? info = null, Action<EvaluationProgress>? progress = null, ProcessGroup? group = null)
    {
        settings ??= new EvaluationSettings();
        settings.Validate();
        if (methods.Count == 0) throw new ArgumentException("no method to evaluate: name explainers (--methods) or maps files (--maps NAME=FILE.npy)");
        var duplicate = methods.GroupBy(m => m.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"method '{duplicate.Key}' is named twice; every method (and --maps NAME) needs its own name");
        var total = Math.Min(settings.Limit ?? dataset.Count, dataset.Count);
        if (total == 0) throw new ArgumentException("the split has no images to evaluate");
        var (hasMasks, hasLabels) = Probe(dataset);
        var plan = EvaluationPlan.Create(settings, hasMasks, hasLabels, methods);
        var size = Metadata.InputSize;
        var step = settings.Step ?? size;
        var run = new DistributedRun(group);
        var shard = new ChunkShard(total, settings.ChunkSize, run.Rank, run.WorldSize);
        void Report(double done, string activity) => progress?.Invoke(new EvaluationProgress(done, total, activity));

        using var chunks = new ChunkEvaluation(Model, Metadata, methods, settings, plan, total, step, hasLabels);
        using var folded = new ResultAccumulator(methods, plan, settings, total);
        // The rank's chunks (DistributedRun.Part: the single process's batches r, r + W, …), one batch each: only the data set's
        // last chunk is short, and it is the last of its rank. The evaluation preprocessing draws nothing, so a loader over
        // a part gives each image the tensor the single run gives it.
        var loader = new DataLoader(run.Part(new FirstImages(dataset, total), settings.ChunkSize),
            new DataLoaderOptions { BatchSize = settings.ChunkSize, Transform = Metadata.Preprocessing(normalise: false) });
        Report(0, "starting");
        using (var batches = loader.Epoch(0).GetEnumerator())
            for (var round = 0; round < shard.Rounds; round++)
            {
                var (roundStart, roundImages) = shard.RoundExtent(round);
                ChunkOutcome? mine = null;
                if (shard.ChunkIn(round) is { } chunk)
                {
                    if (!batches.MoveNext()) throw new InvalidOperationException($"the data loader ended before chunk {chunk}");
                    using var batch = batches.Current;
                    mine = chunks.Compute(batch, shard.Extent(chunk).Start, (fraction, activity) => Report(roundStart + roundImages * fraction, activity));
                }
                if (run.Group is null) folded.Fold(mine!);
                else foreach (var outcome in Exchange(run.Group, mine)) folded.Fold(outcome);
            }

        var sanity = new Dictionary<string, SanityCheck.Result>();
        if (plan.Has("sanity") && chunks.HasExplainers && folded.SanityInputs() is { } inputs)
        {
            var (sanityImages, targets, maps) = inputs;
            try
            {
                sanity = SanityShards.Run(Model, [.. methods.Where(m => m.Factory is not null)], sanityImages, targets, maps, settings, run.Group,
                    (name, k, layers) => Report(total, $"{name}: sanity check, layer {k}/{layers}"));
            }
            finally
            {
                sanityImages.Dispose();
                targets.Dispose();
                foreach (var t in maps.Values) t.Dispose();
            }
        }
        return folded.Finish(info ?? new EvaluationRunInfo(Model.Architecture, "", ""), Model.Architecture, step, size, Metadata.ClassNames, hasLabels, sanity)
            with { ScoringPrecision = ResolvedPrecision.NameOf(chunks.ScoringPrecision), MethodPrecisions = chunks.MethodPrecisions };
    }

    // Sends this rank's chunk of the round (none in a short last round) and receives every rank's, in rank order: consecutive chunks.
    private static List<ChunkOutcome> Exchange(ProcessGroup group, ChunkOutcome? mine)
    {
        byte[] payload;
        try
        {
            payload = mine is null ? [] : ChunkOutcomeCodec.Encode(mine);
        }
        finally
        {
            mine?.Sanity?.Dispose();
        }
        return [.. RankPayloads.AllGather(group, payload).Where(p => p.Length > 0).Select(ChunkOutcomeCodec.Decode)];
    }

    // What the data set offers (from its first sample), and whether its images fit the model.
    private (bool HasMasks, bool HasLabels) Probe(IImageDataset dataset)
    {
        using var sample = dataset.Get(0);
        var c = sample.Image.Size(0);
        if (c != Model.InChannels)
            throw new InvalidDataException($"the data set's images have {c} channel(s) but {Model.Architecture} takes {Model.InChannels}");
        // Images of another size are fine even with ground-truth masks: the preprocessing (resize, centre crop) moves the
        // masks with the image (Sample.ApplyTransform), so localisation is scored at the model's input size.
        return (sample.EvidenceMask is not null, sample.Label >= 0);
    }
}
