// bfloat16 against float32 on one classifier (docs/precision.md, "Accuracy"): for the first N test images of a data set,
//   1. the logits: largest and mean |difference|, the logits' range, top-1 agreement;
//   2. every method's maps, each computed in both precisions: Pearson r per image (mean, 5th percentile, minimum);
//   3. every metric's value when the maps and the scoring are both float32, and both bfloat16 (the end-to-end change).
// Usage: dotnet run -c Release -- MODEL.ocular DATA-SPEC IMAGES METHODS METRICS|- [BATCH] [EXPLAINER.ocular]
// RISE_MASKS (default 2000) sets RISE's masks. Prints markdown tables. The precision of every bf16 pass is asked for explicitly (Precision.Bf16), so on a processor
// without native bfloat16 the values are those of libtorch's emulation: the same rounding, much slower.
using System.Diagnostics;
using System.Globalization;
using Ocular.Evaluation;
using Ocular.Explain;
using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Datasets;
using Ocular.Vision.Models;

if (args.Length < 5)
{
    Console.Error.WriteLine("usage: MODEL.ocular DATA-SPEC IMAGES METHODS METRICS [BATCH] [EXPLAINER.ocular]");
    return 2;
}
Engine.SetNumThreads(Environment.ProcessorCount);
var (modelPath, dataSpec, count) = (args[0], args[1], int.Parse(args[2], CultureInfo.InvariantCulture));
var methods = args[3].Split(',', StringSplitOptions.RemoveEmptyEntries);
var metrics = args[4] == "-" ? [] : args[4].Split(',', StringSplitOptions.RemoveEmptyEntries);   // "-": no metrics
var batch = args.Length > 5 ? int.Parse(args[5], CultureInfo.InvariantCulture) : 16;
var explainerCheckpoint = args.Length > 6 ? args[6] : null;
var riseMasks = int.Parse(Environment.GetEnvironmentVariable("RISE_MASKS") ?? "2000", CultureInfo.InvariantCulture);
var work = Directory.CreateTempSubdirectory("ocular-precision-").FullName;
var inv = CultureInfo.InvariantCulture;

using var loaded = ClassifierCheckpoint.Load(modelPath);
var (model, meta) = (loaded.Model, loaded.Metadata);
var data = DataSpec.Parse(dataSpec).Open(DataSplit.Test);
count = Math.Min(count, data.Count);
var raw = meta.Preprocessing(normalise: false);
using var images = Tensor.Stack([.. Enumerable.Range(0, count).Select(i => { using var s = data.Get(i); return raw.Apply(s.Image); })]);
Console.WriteLine($"# {model.Architecture} ({modelPath}), {dataSpec}, {count} test images, {Engine.NumThreads} threads, CPU: {string.Join(" ", CpuFeatures.VectorFlags)}, native bf16: {CpuFeatures.HasNativeBf16}");
Console.WriteLine();

// 1. Logits.
var clock = Stopwatch.StartNew();
using var fp32Logits = new ModelScorer(model, meta.Normalization, batch).Logits(images);
var fp32Time = clock.Elapsed.TotalSeconds;
clock.Restart();
using var bf16Logits = new ModelScorer(model, meta.Normalization, batch, Precision.Bf16).Logits(images);
var bf16Time = clock.Elapsed.TotalSeconds;
using (var diff = bf16Logits.Sub(fp32Logits).Abs())
using (var maxDiff = diff.Max())
using (var meanDiff = diff.Mean())
using (var range = fp32Logits.Abs().Max())
using (var top1 = fp32Logits.Argmax(1).Eq(bf16Logits.Argmax(1)).To(ScalarType.Float32).Mean())
{
    Console.WriteLine("| logits | max abs difference | mean abs difference | largest abs logit | top-1 agreement | time fp32 / bf16 |");
    Console.WriteLine("|---|---|---|---|---|---|");
    Console.WriteLine(string.Create(inv, $"| {count} images | {maxDiff.Item<float>():G3} | {meanDiff.Item<float>():G3} | {range.Item<float>():G3} | {100 * top1.Item<float>():F1} % | {fp32Time:F1} s / {bf16Time:F1} s |"));
}
Console.WriteLine();

// 2. Maps, per method, in both precisions (targets: the float32 prediction); saved for the metrics.
using var targets = fp32Logits.Argmax(1);
using var normalised = meta.Normalization.Apply(images);
var sources = new Dictionary<Precision, List<MethodSource>> { [Precision.Fp32] = [], [Precision.Bf16] = [] };
Console.WriteLine("| method | Pearson r mean | r 5th percentile | r min | time fp32 / bf16 |");
Console.WriteLine("|---|---|---|---|---|");
foreach (var method in methods)
{
    var maps = new Dictionary<Precision, Tensor>();
    var seconds = new Dictionary<Precision, double>();
    foreach (var precision in new[] { Precision.Fp32, Precision.Bf16 })
    {
        var options = new ExplainerOptions { BatchSize = batch, Precision = precision, Checkpoint = explainerCheckpoint, RiseMasks = riseMasks };
        using var explainer = ExplainerRegistry.Create(method, model, options);
        clock.Restart();
        var parts = new List<Tensor>();
        for (var start = 0; start < count; start += batch)
        {
            var n = Math.Min(batch, count - start);
            using var x = normalised.Narrow(0, start, n);
            using var t = targets.Narrow(0, start, n);
            parts.Add(explainer.Explain(x, t));
        }
        seconds[precision] = clock.Elapsed.TotalSeconds;
        maps[precision] = Tensor.Cat([.. parts], 0);
        foreach (var p in parts) p.Dispose();
        var file = Path.Combine(work, $"{method}.{precision}.npy".Replace('+', 'p'));
        Npy.Save(file, maps[precision]);
        sources[precision].Add(MethodSource.Maps(method, file));
    }
    var rs = new List<double>();
    for (var i = 0; i < count; i++)
    {
        using var a = maps[Precision.Fp32].Select(0, i);
        using var b = maps[Precision.Bf16].Select(0, i);
        var (x, y) = (a.ToArray<float>(), b.ToArray<float>());
        if (x.Max() == x.Min() || y.Max() == y.Min()) continue;   // a constant map has no correlation
        rs.Add(Pearson(x, y));
    }
    rs.Sort();
    Console.WriteLine(rs.Count == 0
        ? $"| {method} | constant maps | | | |"
        : string.Create(inv, $"| {method} | {rs.Average():F4} | {rs[(int)(0.05 * (rs.Count - 1))]:F4} | {rs[0]:F4} | {seconds[Precision.Fp32]:F1} s / {seconds[Precision.Bf16]:F1} s |"));
    foreach (var m in maps.Values) m.Dispose();
}
Console.WriteLine();

// 3. Metrics: float32 maps scored in float32 against bfloat16 maps scored in bfloat16.
if (metrics.Length == 0)
{
    Directory.Delete(work, recursive: true);
    return 0;
}
var results = new Dictionary<Precision, EvaluationResult>();
foreach (var precision in new[] { Precision.Fp32, Precision.Bf16 })
{
    var settings = new EvaluationSettings { Metrics = metrics, Limit = count, BatchSize = batch, Precision = precision, GalleryImages = 0 };
    results[precision] = new Evaluator(model, meta).Run(data, sources[precision], settings);
}
var columns = results[Precision.Fp32].Columns;
Console.WriteLine("| method | " + string.Join(" | ", columns.Select(c => c.Label)) + " |");
Console.WriteLine("|---|" + string.Concat(columns.Select(_ => "---|")));
for (var m = 0; m < methods.Length; m++)
{
    var (a, b) = (results[Precision.Fp32].Methods[m].Summary, results[Precision.Bf16].Methods[m].Summary);
    Console.WriteLine($"| {methods[m]} | " + string.Join(" | ", columns.Select(c => string.Create(inv, $"{a[c.Key]:G4} → {b[c.Key]:G4} ({b[c.Key] - a[c.Key]:+0.0000;-0.0000;0})"))) + " |");
}
Directory.Delete(work, recursive: true);
return 0;

static double Pearson(float[] x, float[] y)
{
    double mx = x.Average(v => (double)v), my = y.Average(v => (double)v), sxy = 0, sxx = 0, syy = 0;
    for (var i = 0; i < x.Length; i++)
    {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    return sxy / Math.Sqrt(sxx * syy);
}
