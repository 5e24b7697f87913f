using System.Globalization;

namespace Ocular.Bench.Harness;

/// <summary>
/// The process's resident memory from <c>/proc/self/status</c> (Linux): the current resident set (<c>VmRSS</c>) and its
/// high-water mark (<c>VmHWM</c>, what <see cref="System.Diagnostics.Process.PeakWorkingSet64"/> and Python's
/// <c>resource.getrusage(...).ru_maxrss</c> report). benchlib.py's <c>resident_mb</c> reads the same fields. The
/// high-water mark is per process: a workload's own peak needs a process of its own (compare.sh <c>--interleave</c>).
/// </summary>
public static class Memory
{
    /// <summary>The current resident set in MiB (<c>VmRSS</c>), or null where <c>/proc/self/status</c> is not readable.</summary>
    public static double? ResidentMb() => Field("VmRSS:");

    /// <summary>The peak resident set so far in MiB (<c>VmHWM</c>), or null where <c>/proc/self/status</c> is not readable.</summary>
    public static double? PeakResidentMb() => Field("VmHWM:");

    private static double? Field(string name)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith(name, StringComparison.Ordinal)) continue;
                // "VmRSS:\t  123456 kB"
                var parts = line[name.Length..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                return parts.Length >= 1 && long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var kb)
                    ? Math.Round(kb / 1024.0, 1)
                    : null;
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
    }
}
