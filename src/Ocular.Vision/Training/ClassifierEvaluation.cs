using System.Globalization;
using System.Text;
using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Data;
using Ocular.Vision.Datasets;
using Ocular.Vision.Models;
using Ocular.Vision.Transforms;
using F = Ocular.Torch.Functional;

namespace Ocular.Vision.Training;

/// <summary>A classifier's results on a labelled data set.</summary>
/// <param name="Count">Images evaluated.</param>
/// <param name="Loss">Mean cross-entropy.</param>
/// <param name="Top1">Top-1 accuracy, in percent.</param>
/// <param name="Top5">Top-5 accuracy, in percent (100 with five classes or fewer).</param>
/// <param name="Confusion">Counts <c>[true class, predicted class]</c>.</param>
/// <param name="ClassNames">The class names, one per row and column.</param>
public sealed record ClassifierEvaluationResult(int Count, double Loss, double Top1, double Top5, long[,] Confusion, IReadOnlyList<string> ClassNames)
{
    /// <summary>Images of class <paramref name="k"/>.</summary>
    public long Support(int k) => Enumerable.Range(0, ClassNames.Count).Sum(j => Confusion[k, j]);

    /// <summary>Per-class accuracy (recall) in percent; NaN for a class without images.</summary>
    public double ClassAccuracy(int k)
    {
        var n = Support(k);
        return n == 0 ? double.NaN : 100.0 * Confusion[k, k] / n;
    }

    /// <summary>
    /// Writes the confusion matrix as CSV (atomically): a header <c>true\predicted,NAME0,NAME1,…</c>, then one row per
    /// true class with its name and its counts.
    /// </summary>
    public void WriteConfusionCsv(string path)
    {
        static string Quote(string s) => s.IndexOfAny([',', '"', '\n']) >= 0 ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
        var csv = new StringBuilder();
        csv.Append("true\\predicted");
        foreach (var name in ClassNames) csv.Append(',').Append(Quote(name));
        csv.Append('\n');
        for (var i = 0; i < ClassNames.Count; i++)
        {
            csv.Append(Quote(ClassNames[i]));
            for (var j = 0; j < ClassNames.Count; j++) csv.Append(',').Append(Confusion[i, j].ToString(CultureInfo.InvariantCulture));
            csv.Append('\n');
        }
        AtomicFile.WriteAllText(path, csv.ToString());
    }
}

/// <summary>Evaluates a classifier on a labelled data set: loss, top-1, top-5 and the confusion matrix.</summary>
public static class ClassifierEvaluation
{
    /// <summary>
    /// Runs <paramref name="model"/> (switched to evaluation mode, restored afterwards) over <paramref name="data"/> in
    /// order, each image prepared by <paramref name="transform"/> (e.g. <see cref="ClassifierMetadata.Preprocessing"/>).
    /// </summary>
    /// <param name="model">The classifier.</param>
    /// <param name="data">A labelled data set with as many classes as the model.</param>
    /// <param name="transform">The per-image preprocessing (to a normalised float image of the model's input size).</param>
    /// <param name="batchSize">Images per batch.</param>
    /// <param name="workers">Data-loader worker threads.</param>
    /// <param name="batchCompleted">Called after each batch with (batches done, batches).</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <param name="group">
    /// A data-parallel group: rank r evaluates the single process's batches r, r + W, … (<see cref="DistributedRun.Part"/>;
    /// no padding) and the counts and loss sums are all-reduced, so every rank returns the whole set's results — the
    /// counts exactly the single process's, the mean loss up to the order of its float sums.
    /// </param>
    /// <param name="precision">The arithmetic of the forward passes (default float32); the loss and counts are computed from float32 logits.</param>
    public static ClassifierEvaluationResult Evaluate(Classifier model, IImageDataset data, ITransform transform, int batchSize = 64, int workers = 2,
        Action<int, int>? batchCompleted = null, CancellationToken cancellationToken = default, Torch.Distributed.ProcessGroup? group = null,
        ResolvedPrecision? precision = null)
    {
        var classes = data.ClassNames.Count;
        if (classes != model.NumClasses)
            throw new ArgumentException($"the model has {model.NumClasses} classes but the data set has {classes} ({string.Join(", ", data.ClassNames.Take(10))}{(classes > 10 ? ", …" : "")})");
        var mine = new DistributedRun(group).Part(data, batchSize);
        var loader = new DataLoader(mine, new DataLoaderOptions { BatchSize = batchSize, Workers = workers, Transform = transform });
        var confusion = new long[classes, classes];
        double lossSum = 0;
        long top5 = 0;
        var count = 0;
        var wasTraining = model.Training;
        model.Eval();
        try
        {
            using var inference = Autograd.InferenceMode();
            var b = 0;
            foreach (var batch in loader.Epoch(0))
            {
                using (batch)
                using (DisposeScope.Enter())
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var labels = batch.Labels;
                    var truth = labels.ToArray<long>();
                    if (truth.FirstOrDefault(l => l < 0 || l >= classes, 0) is var bad && (bad < 0 || bad >= classes))
                        throw new DatasetException($"label {bad} is outside 0..{classes - 1} (unlabelled or mismatched data)", batch.Paths[Array.IndexOf(truth, bad)]);
                    Tensor logits;
                    using (precision?.Enter()) logits = model.Call(batch.Images.ToChannelsLast()).To(ScalarType.Float32);   // NHWC: oneDNN keeps activations NHWC
                    lossSum += F.CrossEntropy(logits, labels, reduction: Reduction.Sum).Item<float>();
                    var (_, top) = logits.TopK(Math.Min(5, classes), 1);
                    top5 += top.Eq(labels.Unsqueeze(1)).Any(1).Sum().Item<long>();
                    var predicted = top.Select(1, 0).ToArray<long>();
                    for (var i = 0; i < truth.Length; i++) confusion[truth[i], predicted[i]]++;
                    count += truth.Length;
                }
                batchCompleted?.Invoke(++b, loader.BatchCount);
            }
        }
        finally
        {
            model.Train(wasTraining);
        }
        if (group is { WorldSize: > 1 } all) (lossSum, top5, count) = Sum(all, confusion, lossSum, top5, count);
        var correct = Enumerable.Range(0, classes).Sum(k => confusion[k, k]);
        return new ClassifierEvaluationResult(count, count == 0 ? double.NaN : lossSum / count, count == 0 ? double.NaN : 100.0 * correct / count,
            count == 0 ? double.NaN : 100.0 * top5 / count, confusion, data.ClassNames);
    }

    // The ranks' confusion counts, top-5 hits, image counts (exact in float64 below 2^53) and loss sums, added up.
    private static (double Loss, long Top5, int Count) Sum(Torch.Distributed.ProcessGroup group, long[,] confusion, double loss, long top5, int count)
    {
        var classes = confusion.GetLength(0);
        var values = new double[classes * classes + 3];
        for (var i = 0; i < classes; i++)
            for (var j = 0; j < classes; j++) values[i * classes + j] = confusion[i, j];
        (values[^3], values[^2], values[^1]) = (loss, top5, count);
        using var totals = Tensor.FromArray(values);
        group.AllReduce(totals);
        var t = totals.ToArray<double>();
        for (var i = 0; i < classes; i++)
            for (var j = 0; j < classes; j++) confusion[i, j] = (long)t[i * classes + j];
        return (t[^3], (long)t[^2], (int)t[^1]);
    }
}
