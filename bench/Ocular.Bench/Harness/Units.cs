namespace Ocular.Bench.Harness;

/// <summary>
/// The units a workload may report. The unit decides how bench/compare.sh orients the ratio so that it
/// always reads "higher = Ocular faster": a unit ending in <c>/s</c> is a throughput (ratio =
/// ocular / pytorch); a unit starting with a time (<c>ns</c>, <c>us</c>, <c>ms</c>, <c>s</c>) is a
/// time (ratio = pytorch / ocular).
/// </summary>
public static class Units
{
    /// <summary>Microseconds per operation (a time: lower is better).</summary>
    public const string MicrosecondsPerOp = "us/op";

    /// <summary>Milliseconds per iteration (a time: lower is better).</summary>
    public const string MillisecondsPerIter = "ms/iter";

    /// <summary>Milliseconds per training step (a time: lower is better).</summary>
    public const string MillisecondsPerStep = "ms/step";

    /// <summary>Images per second (a throughput: higher is better).</summary>
    public const string ImagesPerSecond = "images/s";

    /// <summary>True when a larger value of <paramref name="unit"/> is better (the same rule as compare.sh).</summary>
    public static bool IsThroughput(string unit) => unit.EndsWith("/s", StringComparison.Ordinal);

    /// <summary>Seconds in one <paramref name="unit"/> of time (for <c>ms/iter</c>, 1e-3).</summary>
    public static double SecondsPer(string unit)
    {
        var head = unit.Split('/')[0];
        return head switch
        {
            "ns" => 1e-9,
            "us" => 1e-6,
            "ms" => 1e-3,
            "s" => 1,
            _ => throw new ArgumentException($"'{unit}' is neither a time (ns, us, ms, s per something) nor a throughput (something/s)"),
        };
    }
}
