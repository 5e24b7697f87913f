using System.CommandLine;

namespace Ocular.Cli;

/// <summary>Options every command understands.</summary>
internal static class GlobalOptions
{
    /// <summary>libtorch's intra-op thread count (default: processor count, or OCULAR_NUM_THREADS).</summary>
    public static readonly Option<int?> Threads = new("--threads")
    {
        Description = "libtorch intra-op threads (default: the processor count, or $OCULAR_NUM_THREADS)",
        Recursive = true,
    };

    /// <summary>The names of the global options, for error messages.</summary>
    public static IEnumerable<string> Names => [Threads.Name];
}
