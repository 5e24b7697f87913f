// Ocular's benchmark harness: runs one suite and prints one JSON line per workload on stdout
// ({"bench", "value", "unit", ...}); bench/compare.sh joins them with the PyTorch twin's lines.
using Ocular.Bench.Harness;
using Ocular.Torch;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"Ocular.Bench: {e.Message}");
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}
if (options.Help)
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}
if (options.Suite is null)
{
    if (!options.List)
    {
        Console.Error.WriteLine("Ocular.Bench: name a suite (--list shows them)");
        Console.Error.WriteLine(BenchOptions.Usage);
        return 2;
    }
    foreach (var s in SuiteRegistry.All) Console.WriteLine($"{s.Name,-12} {s.Description}");
    return 0;
}

Suite suite;
try
{
    suite = SuiteRegistry.Find(options.Suite);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"Ocular.Bench: {e.Message}");
    return 2;
}

var workloads = suite.Workloads().Where(w => options.Filter?.IsMatch(w.Name) ?? true).ToList();
if (workloads.Count == 0)
{
    Console.Error.WriteLine($"Ocular.Bench: no workload of suite '{suite.Name}' matches --filter '{options.Filter}'");
    return 2;
}
if (options.List)
{
    foreach (var w in workloads)
        Console.WriteLine($"{w.Name,-48} {w.Unit,-9} {(w.Target is { } t ? $"target ≥ {t:0.##}" : "")}");
    return 0;
}

// The same settings as the Python twin (benchlib.setup): thread count, global seed.
Engine.SetNumThreads(options.Threads);
Engine.ManualSeed(0);
var threads = Engine.NumThreads;
Console.Error.WriteLine($"# ocular {suite.Name}: Ocular {Engine.OcularVersion}, libtorch {Engine.TorchVersion}, threads {threads} " +
                        $"(processors {Environment.ProcessorCount}), BLAS {string.Join(", ", Engine.LoadedBlasLibraries().Select(Path.GetFileName))}" +
                        (options.Quick ? ", quick" : ""));

var failures = 0;
foreach (var w in workloads)
{
    var plan = options.Quick ? w.Quick : w.Full;
    plan = plan with { Warmup = options.Warmup ?? plan.Warmup, Repeat = options.Repeat ?? plan.Repeat };
    // Start each workload from a clean heap, as benchlib.py does with gc.collect().
    GC.Collect();
    GC.WaitForPendingFinalizers();
    GC.Collect();
    Measurement m;
    try
    {
        m = w.Run(plan);
    }
    catch (Exception e)
    {
        failures++;
        Console.Error.WriteLine($"# {w.Name}: FAILED: {e.GetType().Name}: {e.Message}");
        continue;
    }
    var extra = new List<KeyValuePair<string, object?>>
    {
        new("side", "ocular"),
        new("suite", suite.Name),
        new("threads", threads),
        new("n", plan.PerSample),
        new("repeat", plan.Repeat),
        new("warmup", plan.Warmup),
        new("min", Math.Min(m.Best, m.Worst)),
        new("max", Math.Max(m.Best, m.Worst)),
        // Median process CPU time (all threads) per sample: compare.sh --stat cpu.
        new("cpu_ms", m.CpuMsPerSample),
        // The process's peak resident memory so far (VmHWM, as Python's ru_maxrss): per workload with --interleave
        // (one process per workload and side).
        new("peak_rss_mb", Memory.PeakResidentMb() ?? Math.Round(System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0, 1)),
    };
    if (w.Target is { } target) extra.Add(new("target", target));
    if (m.Extra is not null) extra.AddRange(m.Extra.Select(kv => new KeyValuePair<string, object?>(kv.Key, kv.Value)));
    Console.WriteLine(JsonLine.Format(w.Name, m.Value, w.Unit, extra));
    Console.Out.Flush();
    Console.Error.WriteLine($"# {w.Name,-48} {m.Value,12:G5} {w.Unit,-9} (min {Math.Min(m.Best, m.Worst):G4}, max {Math.Max(m.Best, m.Worst):G4}, {plan.Repeat} samples)");
}
return failures == 0 ? 0 : 1;
