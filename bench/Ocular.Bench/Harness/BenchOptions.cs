using System.Globalization;
using System.Text.RegularExpressions;

namespace Ocular.Bench.Harness;

/// <summary>
/// The command line common to every suite; bench/python/benchlib.py parses the same options so that
/// bench/compare.sh can pass one set to both sides.
/// </summary>
public sealed class BenchOptions
{
    /// <summary>The suite to run (e.g. <c>engine</c>).</summary>
    public string? Suite { get; private set; }

    /// <summary>libtorch's intra-op thread count for the whole run (default: the processor count).</summary>
    public int Threads { get; private set; } = Environment.ProcessorCount;

    /// <summary>Timed samples per workload; null keeps each workload's own default.</summary>
    public int? Repeat { get; private set; }

    /// <summary>Untimed samples before the timed ones; null keeps each workload's own default.</summary>
    public int? Warmup { get; private set; }

    /// <summary>A fast smoke run: each workload's small plan (fewer ops and samples).</summary>
    public bool Quick { get; private set; }

    /// <summary>Runs only the workloads whose name matches (a regular expression, searched as Python's <c>re.search</c>).</summary>
    public Regex? Filter { get; private set; }

    /// <summary>Lists the suite's workloads instead of running them.</summary>
    public bool List { get; private set; }

    /// <summary>Prints the usage and exits.</summary>
    public bool Help { get; private set; }

    /// <summary>The usage text printed by <c>--help</c> and after a bad argument.</summary>
    public const string Usage =
        """
        usage: Ocular.Bench SUITE [--threads N] [--repeat N] [--warmup N] [--quick] [--filter REGEX] [--list]

          SUITE            one of the registered suites (--list without a suite lists them)
          --threads N      libtorch intra-op threads (default: processor count)
          --repeat N       timed samples per workload (default: the workload's own)
          --warmup N       untimed warm-up samples per workload (default: the workload's own)
          --quick          small smoke-run plans (whole suite in well under 30 s)
          --filter REGEX   only the workloads whose name matches REGEX
          --list           print the suite's workloads (name, unit, target) and exit

        Prints one JSON line per workload on stdout: {"bench", "value", "unit", ...}; progress goes to stderr.
        """;

    /// <summary>Parses the arguments; throws <see cref="ArgumentException"/> naming the bad one.</summary>
    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var o = new BenchOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{arg} needs a value");
            int Positive()
            {
                var text = Value();
                return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 0
                    ? n
                    : throw new ArgumentException($"{arg} expects a non-negative integer, got '{text}'");
            }
            switch (arg)
            {
                case "--threads":
                    o.Threads = Positive();
                    if (o.Threads < 1) throw new ArgumentException("--threads must be at least 1");
                    break;
                case "--repeat":
                    o.Repeat = Positive();
                    if (o.Repeat < 1) throw new ArgumentException("--repeat must be at least 1");
                    break;
                case "--warmup": o.Warmup = Positive(); break;
                case "--quick": o.Quick = true; break;
                case "--filter": o.Filter = new Regex(Value(), RegexOptions.CultureInvariant); break;
                case "--list": o.List = true; break;
                case "-h" or "--help": o.Help = true; break;
                default:
                    if (arg.StartsWith('-')) throw new ArgumentException($"unknown option '{arg}'");
                    if (o.Suite is not null) throw new ArgumentException($"one suite at a time: got '{o.Suite}' and '{arg}'");
                    o.Suite = arg;
                    break;
            }
        }
        return o;
    }
}
