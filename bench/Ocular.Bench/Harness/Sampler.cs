using System.Diagnostics;

namespace Ocular.Bench.Harness;

/// <summary>
/// Times a workload: untimed warm-up calls of the sample body, then <c>repeat</c> timed calls, each
/// timed with a <see cref="Stopwatch"/>. bench/python/benchlib.py's <c>sample</c> is the same loop (with
/// <c>time.perf_counter</c>), so both sides measure the same thing the same way.
/// </summary>
public static class Sampler
{
    /// <summary>
    /// The warm-up lasts at least <see cref="Plan.Warmup"/> calls and, unless that is 0, at least this long:
    /// .NET's tiered JIT promotes hot methods to optimised code only after ~100 ms without new tier-0
    /// activity, so a short warm-up would time unoptimised code. benchlib.py applies the same rule.
    /// </summary>
    public const double MinWarmupSeconds = 0.5;

    /// <summary>
    /// Runs <paramref name="sample"/> per the plan and returns, for each timed call, the wall-clock seconds
    /// and the process's CPU seconds (all threads, user + system).
    /// </summary>
    public static Samples Run(Plan plan, Action sample)
    {
        var warm = Stopwatch.GetTimestamp();
        for (var i = 0; i < plan.Warmup || (plan.Warmup > 0 && Stopwatch.GetElapsedTime(warm).TotalSeconds < MinWarmupSeconds); i++)
            sample();
        var wall = new double[plan.Repeat];
        var cpu = new double[plan.Repeat];
        for (var i = 0; i < plan.Repeat; i++)
        {
            var cpuStart = Environment.CpuUsage.TotalTime;
            var start = Stopwatch.GetTimestamp();
            sample();
            wall[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            cpu[i] = (Environment.CpuUsage.TotalTime - cpuStart).TotalSeconds;
        }
        return new Samples(wall, cpu);
    }

    /// <summary>The median (the mean of the two middle values for an even count).</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("no samples", nameof(values));
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}

/// <summary>
/// The timed samples of a workload: wall-clock seconds, and the process's CPU seconds over the same calls
/// (a cross-check that resists other processes' load when run with one thread: see bench/README.md).
/// </summary>
public sealed record Samples(double[] Wall, double[] Cpu);

/// <summary>
/// How a workload is sampled: <paramref name="Warmup"/> untimed samples, <paramref name="Repeat"/> timed
/// samples, each of <paramref name="PerSample"/> units of work (ops, iterations or steps).
/// </summary>
public readonly record struct Plan(int Warmup, int Repeat, int PerSample = 1);
