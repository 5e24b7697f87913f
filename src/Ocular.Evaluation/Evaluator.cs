using Ocular.Evaluation.Metrics;
using Ocular.Explain;
using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Data;
using Ocular.Vision.Datasets;
using Ocular.Vision.Models;

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

    /// <summary>Runs the evaluation.</summary>
    /// <param name="dataset">The split to evaluate (its first <see cref="EvaluationSettings.Limit"/> images).</param>
    /// <param name="methods">The methods, by explainer factory or maps file; names must be unique.</param>
    /// <param name="settings">Metrics and settings (defaults when null).</param>
    /// <param name="info">What to call the model and data in the outputs.</param>
    /// <param name="progress">Called as chunks and methods finish.</param>
    /// <exception cref="ArgumentException">No method, duplicate names, a requested metric the data cannot support.</exception>
    /// <exception cref="InvalidDataException">A maps file of the wrong shape, or maps outside [0, 1] without <see cref="EvaluationSettings.NormalizeMaps"/>.</exception>
    public EvaluationResult Run(IImageDataset dataset, IReadOnlyList<MethodSource> methods, EvaluationSettings? settings = null,
        EvaluationRunInfo? info = null, Action<EvaluationProgress>? progress = null)
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
        void Report(double done, string activity) => progress?.Invoke(new EvaluationProgress(done, total, activity));

        var files = new Dictionary<string, Tensor>();
        var explainers = new Dictionary<string, IExplainer>();
        var sanityImages = new List<Tensor>();
        var sanityTargets = new List<Tensor>();
        try
        {
            foreach (var m in methods)
            {
                if (m.MapsPath is not null) files[m.Name] = LoadMaps(m.MapsPath, total, size);
                else explainers[m.Name] = m.Factory!(Model);
            }
            var accumulators = methods.Select(m => new MethodAccumulator(m, plan, total, settings.RoadPercent.Count)).ToList();
            var gallery = new GalleryBuilder(settings.GalleryImages);
            var records = new List<ImageRecord>(total);
            var cleanTop1 = new List<bool>();
            var cleanTop5 = new List<bool>();
            var sanityMaps = explainers.Keys.ToDictionary(k => k, _ => new List<Tensor>());
            var scorer = new ModelScorer(x => Model.Call(x), Metadata.Normalization, settings.BatchSize);
            var loader = new DataLoader(new FirstImages(dataset, total), new DataLoaderOptions { BatchSize = settings.ChunkSize, Transform = Metadata.Preprocessing(normalise: false) });
            var start = 0;
            Report(0, "starting");
            foreach (var batch in loader.Epoch(0))
            {
                using (batch)
                using (var scope = DisposeScope.Enter())
                {
                    var n = batch.Count;
                    var raw = batch.Images;
                    if (raw.Size(2) != size || raw.Size(3) != size)
                        throw new InvalidDataException($"the preprocessed images are {raw.Size(2)}×{raw.Size(3)}, but the model takes {size}×{size}");
                    using var clean = Predictions.Of(scorer, raw);
                    var labels = batch.Labels.ToArray<long>();
                    var predicted = clean.Classes.ToArray<long>();
                    var confidence = clean.Confidence.ToArray<float>();
                    var chunkRecords = Enumerable.Range(0, n).Select(i => new ImageRecord(start + i, batch.Indices[i], batch.Paths[i], labels[i], predicted[i], confidence[i])).ToList();
                    records.AddRange(chunkRecords);
                    if (hasLabels)
                    {
                        cleanTop1.AddRange(Accuracy.PerImage(clean.Probabilities, batch.Labels, 1));
                        cleanTop5.AddRange(Accuracy.PerImage(clean.Probabilities, batch.Labels, 5));
                    }

                    var normalised = Metadata.Normalization.Apply(raw);
                    var maps = new Dictionary<string, Tensor>();
                    foreach (var m in methods)
                    {
                        Report(start, $"{m.Name}: maps");
                        maps[m.Name] = m.MapsPath is null
                            ? SaliencyMaps.Prepare(SaliencyMaps.Explain(explainers[m.Name], normalised, clean.Classes, settings.ChunkSize), $"method {m.Name}", settings.NormalizeMaps, start)
                            : SaliencyMaps.Prepare(files[m.Name].Narrow(0, start, n), m.MapsPath, settings.NormalizeMaps, start);
                    }
                    var context = new ChunkContext(scorer, raw, clean, batch.Labels, batch.EvidenceMasks, start, n, settings, plan, step);
                    for (var k = 0; k < accumulators.Count; k++)
                    {
                        var name = methods[k].Name;
                        var done = start + (double)n * k / accumulators.Count;
                        var reference = plan.Has("iou") || plan.Has("stability") ? maps[settings.Reference!] : null;
                        accumulators[k].Add(context, maps[name], reference, a => Report(done, $"{name}: {a}"));
                    }
                    Report(start + n, "gallery");
                    gallery.AddChunk(context, chunkRecords, accumulators, maps, plan.Columns);

                    if (plan.Has("sanity") && start < settings.SanityImages && explainers.Count > 0)
                    {
                        var take = Math.Min(n, settings.SanityImages - start);
                        sanityImages.Add(DisposeScope.Detach(normalised.Narrow(0, 0, take).Clone()));
                        sanityTargets.Add(DisposeScope.Detach(clean.Classes.Narrow(0, 0, take).Clone()));
                        foreach (var (name, list) in sanityMaps) list.Add(DisposeScope.Detach(maps[name].Narrow(0, 0, take).Clone()));
                    }
                    start += n;
                }
            }

            var sanity = new Dictionary<string, SanityCheck.Result>();
            if (plan.Has("sanity") && explainers.Count > 0)
            {
                using var images = Tensor.Cat(sanityImages, 0);
                using var targets = Tensor.Cat(sanityTargets, 0);
                foreach (var m in methods.Where(m => m.Factory is not null))
                {
                    using var original = Tensor.Cat(sanityMaps[m.Name], 0);
                    foreach (var t in sanityMaps[m.Name]) t.Dispose();
                    sanity[m.Name] = SanityCheck.Evaluate(Model, m.Factory!, images, targets, settings.Seed, original, batchSize: settings.ChunkSize,
                        progress: (k, layers) => Report(total, $"{m.Name}: sanity check, layer {k}/{layers}"));
                }
            }

            var categories = records.Select(r => r.Label >= 0 ? r.Label : r.Predicted).ToArray();
            var results = accumulators.Select(a => a.Finish(categories, settings.RoadPercent, sanity.GetValueOrDefault(a.Source.Name))).ToList();
            return new EvaluationResult
            {
                Info = info ?? new EvaluationRunInfo(Model.Architecture, "", ""),
                Architecture = Model.Architecture,
                Settings = settings,
                Metrics = [.. MetricCatalog.Names.Where(plan.Has)],
                Step = step,
                InputSize = (size, size),
                Columns = plan.Columns,
                Methods = results,
                Images = records,
                ClassNames = Metadata.ClassNames,
                CleanTop1 = hasLabels ? cleanTop1.Average(h => h ? 100.0 : 0.0) : null,
                CleanTop5 = hasLabels ? cleanTop5.Average(h => h ? 100.0 : 0.0) : null,
                Notes = plan.Notes,
                Gallery = gallery.Gallery,
                Extremes = gallery.Extremes(plan.Columns, [.. methods.Select(m => m.Name)]),
            };
        }
        finally
        {
            foreach (var t in files.Values) t.Dispose();
            foreach (var e in explainers.Values) e.Dispose();
            foreach (var t in sanityImages.Concat(sanityTargets)) t.Dispose();
        }
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
