using System.Diagnostics;

namespace Ocular.Bench.Harness;

/// <summary>
/// Times a workload: <c>warmup</c> untimed calls of the sample body, then <c>repeat</c> timed calls,
/// each timed with a <see cref="Stopwatch"/>. bench/python/benchlib.py's <c>sample</c> is the same loop
/// (with <c>time.perf_counter</c>), so both sides measure the same thing the same way.
/// </summary>
public static class Sampler
{
    /// <summary>Runs <paramref name="sample"/> per the plan and returns the seconds each timed call took.</summary>
    public static double[] Run(Plan plan, Action sample)
    {
        for (var i = 0; i < plan.Warmup; i++) sample();
        var seconds = new double[plan.Repeat];
        for (var i = 0; i < plan.Repeat; i++)
        {
            var start = Stopwatch.GetTimestamp();
            sample();
            seconds[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        return seconds;
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
/// How a workload is sampled: <paramref name="Warmup"/> untimed samples, <paramref name="Repeat"/> timed
/// samples, each of <paramref name="PerSample"/> units of work (ops, iterations or steps).
/// </summary>
public readonly record struct Plan(int Warmup, int Repeat, int PerSample = 1);
