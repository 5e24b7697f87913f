namespace Ocular.Bench.Harness;

/// <summary>
/// A named set of workloads (one file per suite under Suites/, with its PyTorch twin in
/// bench/python/SUITE.py). Suites are found by reflection (<see cref="SuiteRegistry"/>): adding a
/// suite is adding its file.
/// </summary>
public abstract class Suite
{
    /// <summary>The name on the command line and of the Python twin (e.g. <c>engine</c> → bench/python/engine.py).</summary>
    public abstract string Name { get; }

    /// <summary>One line saying what the suite measures.</summary>
    public abstract string Description { get; }

    /// <summary>The workloads, in the order they run. Names must match the Python twin's exactly.</summary>
    public abstract IEnumerable<Workload> Workloads();
}

/// <summary>
/// One measured thing. <paramref name="Run"/> sets up its state, samples it with
/// <see cref="Sampler.Run"/> under the plan it is given, frees its state and returns the measurement.
/// </summary>
/// <param name="Name">The join key with the Python twin; states the shapes (e.g. <c>conv_fwd_bwd_3x3_64to64_56x56_s1_b8</c>).</param>
/// <param name="Unit">See <see cref="Units"/>: it decides how the ratio is oriented.</param>
/// <param name="Full">The plan of a normal run.</param>
/// <param name="Quick">The plan of a <c>--quick</c> smoke run.</param>
/// <param name="Run">Measures the workload under a plan.</param>
/// <param name="Target">The ratio Ocular/PyTorch (higher = Ocular faster) the issue asks for, when it states one.</param>
public sealed record Workload(string Name, string Unit, Plan Full, Plan Quick, Func<Plan, Measurement> Run, double? Target = null);

/// <summary>
/// A workload's result: the median in its unit, the fastest and slowest samples in the same unit, the
/// median CPU milliseconds per sample, and extra fields for the JSON line.
/// </summary>
public sealed record Measurement(double Value, double Best, double Worst, double CpuMsPerSample, IReadOnlyDictionary<string, object>? Extra = null)
{
    /// <summary>
    /// A time per unit of work (<paramref name="unit"/> is e.g. <c>us/op</c>): each sample's seconds divided
    /// by the work it did (<see cref="Plan.PerSample"/>), median over samples.
    /// </summary>
    public static Measurement TimePer(Samples samples, Plan plan, string unit, IReadOnlyDictionary<string, object>? extra = null)
    {
        var scale = 1.0 / (plan.PerSample * Units.SecondsPer(unit));
        var wall = samples.Wall;
        return new Measurement(Sampler.Median(wall) * scale, wall.Min() * scale, wall.Max() * scale, CpuMs(samples), extra);
    }

    /// <summary>
    /// A throughput (<paramref name="unit"/> is e.g. <c>images/s</c>): <paramref name="itemsPerSample"/> divided by
    /// each sample's seconds; the median throughput is the items over the median time.
    /// </summary>
    public static Measurement Throughput(Samples samples, double itemsPerSample, string unit, IReadOnlyDictionary<string, object>? extra = null)
    {
        if (!Units.IsThroughput(unit)) throw new ArgumentException($"'{unit}' is not a throughput unit (…/s)", nameof(unit));
        var wall = samples.Wall;
        return new Measurement(itemsPerSample / Sampler.Median(wall), itemsPerSample / wall.Min(), itemsPerSample / wall.Max(), CpuMs(samples), extra);
    }

    private static double CpuMs(Samples samples) => Sampler.Median(samples.Cpu) * 1e3;
}
