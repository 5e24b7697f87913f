using Ocular.Evaluation.Metrics;
using Ocular.Explain;
using Ocular.Torch;
using Ocular.Vision.Data;
using Ocular.Vision.Datasets;
using Ocular.Vision.Models;

namespace Ocular.Evaluation.Stability;

/// <summary>
/// LFI-CAM's stability study (reference lfi-cam.md §5.3): several models of one method, trained on the same data with
/// different hyper-parameters, explain the same images; for every pair of models the maps of each image are
/// binarised and compared (<see cref="StabilityIoU"/>), averaged over images, then over pairs. A method whose maps
/// depend less on the training run scores higher. Optionally (<see cref="StabilityOptions.FgsmEpsilon"/>) every model
/// is also attacked with FGSM in raw pixel space (§4 hook, §7 defect 10): clean against adversarial top-1, and the
/// IoU between each image's clean and adversarial map.
/// </summary>
/// <remarks>
/// Images go through the first model's evaluation preprocessing once (the models must share it,
/// <see cref="ModelCompatibility"/>), in chunks of <see cref="StabilityOptions.BatchSize"/>; per chunk every model
/// predicts, explains its own predicted class (class-agnostic maps ignore it) and its maps are binarised at once,
/// so memory is bounded by a chunk and only per-image numbers outlive it. Maps are paired by image identifier
/// (<see cref="KeyedMaps"/>), never by position.
/// </remarks>
public static class StabilityStudy
{
    /// <summary>Runs the study.</summary>
    /// <param name="options">The models, the method, the data and the IoU settings.</param>
    /// <param name="progress">Called as models finish chunks.</param>
    /// <exception cref="ArgumentException">Bad options, fewer than 2 models, no method or data set to use.</exception>
    /// <exception cref="IncompatibleModelsException">Two models cannot be compared.</exception>
    /// <exception cref="UnknownExplainerException">The method is not registered.</exception>
    /// <exception cref="MapPairingException">Two models' maps cannot be paired image by image.</exception>
    public static StabilityResult Run(StabilityOptions options, Action<EvaluationProgress>? progress = null)
    {
        options.Validate();
        var models = StudyModel.Read(options.Models);
        var method = ModelCompatibility.Method(models, options.Method);
        ExplainerRegistry.Find(method);
        var warnings = ModelCompatibility.Check(models, method).ToList();
        var trainedOn = RecordedData(models);
        var dataText = options.Data ?? trainedOn
            ?? throw new ArgumentException($"no model records its training data set (training.options.data); name the data set to explain (--data {DataSpec.Accepted})");
        if (trainedOn is not null && trainedOn != dataText.Trim())
            warnings.Add($"the models were trained on {trainedOn}; the images come from {dataText}");
        var dataset = DataSpec.Parse(dataText).Open(options.Split);
        var total = Math.Min(options.Images ?? dataset.Count, dataset.Count);
        if (total == 0) throw new ArgumentException($"the {options.Split.ToString().ToLowerInvariant()} split of {dataText} has no images");
        var metadata = models[0].Metadata;
        var hasLabels = Probe(dataset, metadata, options.FgsmEpsilon is not null);

        var loaded = new List<ClassifierCheckpoint.Loaded>();
        var explainers = new List<IExplainer>();
        try
        {
            foreach (var m in models) loaded.Add(ClassifierCheckpoint.Load(m.Path));
            var hashes = loaded.Select(l => ClassifierCheckpoint.WeightsHash(l.Model)).ToList();
            for (var i = 0; i < models.Count; i++)
                for (var j = i + 1; j < models.Count; j++)
                    if (hashes[i] == hashes[j]) warnings.Add($"{models[i].Label} and {models[j].Label} have identical weights: their maps are the same (IoU 1)");
            var explainerOptions = options.Explainer with { BatchSize = options.BatchSize };
            foreach (var l in loaded) explainers.Add(ExplainerRegistry.Create(method, l.Model, explainerOptions));

            var run = new Accumulators(models.Count, options.FgsmEpsilon is not null);
            var loader = new DataLoader(new FirstImages(dataset, total), new DataLoaderOptions { BatchSize = options.BatchSize, Transform = metadata.Preprocessing(normalise: false) });
            var ids = new List<string>(total);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var batch in loader.Epoch(0))
            {
                using (batch)
                {
                    var chunkIds = Enumerable.Range(0, batch.Count).Select(i => KeyedMaps.IdOf(batch.Paths[i], batch.Indices[i])).ToList();
                    foreach (var id in chunkIds)
                        if (!seen.Add(id)) throw new MapPairingException(id, $"image '{id}' occurs twice in {dataText}: maps are paired by image, so every image needs its own identifier");
                    Chunk(batch, chunkIds, ids.Count, total, models, loaded, explainers, options, run, progress);
                    ids.AddRange(chunkIds);
                }
            }

            var top1 = run.Correct.Select(c => hasLabels ? 100.0 * c / total : (double?)null).ToList();
            return new StabilityResult
            {
                Options = options with { Method = method, Data = dataText },
                Method = method,
                Data = dataText,
                Models = [.. models.Select((m, k) => new StabilityModelResult(m.Label, m.Path, m.Metadata.Architecture, hashes[k], top1[k]))],
                ImageIds = ids,
                InputSize = (metadata.InputSize, metadata.InputSize),
                Pairs = [.. run.Pairs.Select(p => new StabilityPair(p.A, p.B, [.. p.IoU], [.. p.Dice], p.IoU.Average(), p.Dice.Average()))],
                Fgsm = options.FgsmEpsilon is { } eps
                    ? new FgsmResult(eps, [.. Enumerable.Range(0, models.Count).Select(k => new FgsmModelResult(k, 100.0 * run.Correct[k] / total,
                        100.0 * run.AdversarialCorrect[k] / total, run.FgsmIoU[k].Average(), run.FgsmDice[k].Average()))])
                    : null,
                Warnings = warnings,
            };
        }
        finally
        {
            foreach (var e in explainers) e.Dispose();
            foreach (var l in loaded) l.Dispose();
        }
    }

    // One chunk: every model predicts and explains, its maps are binarised; then every pair is compared by image.
    private static void Chunk(Batch batch, IReadOnlyList<string> ids, int start, int total, IReadOnlyList<StudyModel> models,
        IReadOnlyList<ClassifierCheckpoint.Loaded> loaded, IReadOnlyList<IExplainer> explainers, StabilityOptions options, Accumulators run,
        Action<EvaluationProgress>? progress)
    {
        using var scope = DisposeScope.Enter();
        var metadata = models[0].Metadata;
        var raw = batch.Images;
        if (raw.Size(2) != metadata.InputSize || raw.Size(3) != metadata.InputSize)
            throw new InvalidDataException($"the preprocessed images are {raw.Size(2)}×{raw.Size(3)}, but the models take {metadata.InputSize}×{metadata.InputSize}");
        var normalised = metadata.Normalization.Apply(raw);
        var masks = new KeyedMaps[models.Count];
        for (var k = 0; k < models.Count; k++)
        {
            progress?.Invoke(new EvaluationProgress(start + (double)batch.Count * k / models.Count, total, $"{models[k].Label}: maps"));
            var model = loaded[k].Model;
            var scorer = new ModelScorer(model, metadata.Normalization, options.BatchSize);
            var predicted = scorer.Logits(raw).Argmax(1);
            run.Correct[k] += predicted.Eq(batch.Labels).Sum().Item<long>();
            masks[k] = new KeyedMaps(models[k].Label, ids, Masks(explainers[k], normalised, predicted, options, models[k].Label));
            if (options.FgsmEpsilon is not { } eps) continue;

            progress?.Invoke(new EvaluationProgress(start + (double)batch.Count * (k + 0.5) / models.Count, total, $"{models[k].Label}: FGSM"));
            var adversarial = Fgsm.Attack(x => model.Call(x), metadata.Normalization, raw, batch.Labels, eps);
            var adversarialPredicted = scorer.Logits(adversarial).Argmax(1);
            run.AdversarialCorrect[k] += adversarialPredicted.Eq(batch.Labels).Sum().Item<long>();
            var attacked = new KeyedMaps($"{models[k].Label} under FGSM", ids,
                Masks(explainers[k], metadata.Normalization.Apply(adversarial), adversarialPredicted, options, models[k].Label));
            var moved = StabilityIoU.Compare(masks[k].Maps, KeyedMaps.Align(masks[k], attacked), options.IoUMode);
            run.FgsmIoU[k].AddRange(moved.IoU);
            run.FgsmDice[k].AddRange(moved.Dice);
        }
        foreach (var pair in run.Pairs)
        {
            var result = StabilityIoU.Compare(masks[pair.A].Maps, KeyedMaps.Align(masks[pair.A], masks[pair.B]), options.IoUMode);
            pair.IoU.AddRange(result.IoU);
            pair.Dice.AddRange(result.Dice);
        }
    }

    // The binary masks of one model's maps for its predicted classes (finite maps required; no range is imposed,
    // since both binarisations min-max normalise per image themselves).
    private static Tensor Masks(IExplainer explainer, Tensor normalised, Tensor targets, StabilityOptions options, string label)
    {
        using var maps = SaliencyMaps.Explain(explainer, normalised, targets, options.BatchSize);
        using (var finite = maps.IsFinite().All())
            if (!finite.Item<bool>()) throw new InvalidDataException($"{explainer.Name} gave {label} maps with NaN or infinite values");
        return StabilityIoU.Binarise(maps, options.Threshold, options.Export);
    }

    // The data set the models were trained on, as recorded in training.options.data (ModelCompatibility has checked
    // that the models that record it agree), or null when none records it.
    private static string? RecordedData(IReadOnlyList<StudyModel> models) =>
        models.Select(m => m.Metadata.Training?["options"]?["data"]?.GetValue<string>()).FirstOrDefault(d => !string.IsNullOrWhiteSpace(d));

    // Whether the images have labels (needed for FGSM), and whether their channels fit the models.
    private static bool Probe(IImageDataset dataset, ClassifierMetadata metadata, bool fgsm)
    {
        using var sample = dataset.Get(0);
        if (sample.Image.Size(0) != metadata.InChannels)
            throw new InvalidDataException($"the data set's images have {sample.Image.Size(0)} channel(s) but the models take {metadata.InChannels}");
        if (fgsm && sample.Label < 0) throw new ArgumentException("FGSM needs the true label of every image, but the data set's images are unlabelled");
        return sample.Label >= 0;
    }

    // Per-image numbers of every pair and model, grown chunk by chunk.
    private sealed class Accumulators
    {
        public Accumulators(int models, bool fgsm)
        {
            Correct = new long[models];
            AdversarialCorrect = new long[models];
            FgsmIoU = [.. Enumerable.Range(0, fgsm ? models : 0).Select(_ => new List<double>())];
            FgsmDice = [.. Enumerable.Range(0, fgsm ? models : 0).Select(_ => new List<double>())];
            for (var i = 0; i < models; i++)
                for (var j = i + 1; j < models; j++)
                    Pairs.Add(new PairValues(i, j));
        }

        public long[] Correct { get; }
        public long[] AdversarialCorrect { get; }
        public List<double>[] FgsmIoU { get; }
        public List<double>[] FgsmDice { get; }
        public List<PairValues> Pairs { get; } = [];
    }

    private sealed record PairValues(int A, int B)
    {
        public List<double> IoU { get; } = [];
        public List<double> Dice { get; } = [];
    }
}
