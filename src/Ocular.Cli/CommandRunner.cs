using System.CommandLine;
using Ocular.Torch;

namespace Ocular.Cli;

/// <summary>Runs the command line: applies global options, and turns every error into one line and a non-zero exit.</summary>
internal static class CommandRunner
{
    public static int Run(RootCommand root, string[] args)
    {
        try
        {
            var parse = root.Parse(args);
            if (parse.Errors.Count == 0 && parse.GetValue(GlobalOptions.Threads) is int threads)
                Engine.SetNumThreads(threads);
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            return Fail(e);
        }
    }

    /// <summary>Prints the error in one line (the innermost useful message) and returns the exit code 1.</summary>
    public static int Fail(Exception e)
    {
        while (e is AggregateException { InnerException: not null } or TypeInitializationException { InnerException: not null })
            e = e.InnerException!;
        Console.Error.WriteLine($"ocular: error: {e.Message}");
        if (Environment.GetEnvironmentVariable("OCULAR_DEBUG") == "1") Console.Error.WriteLine(e);
        return 1;
    }
}
