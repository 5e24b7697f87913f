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
            if (parse.Errors.Count > 0) return ParseFailure(parse);
            if (parse.Errors.Count == 0 && parse.GetValue(GlobalOptions.Threads) is int threads)
                Engine.SetNumThreads(threads);
            if (DistributedLaunch.IsRank && parse.CommandResult.Command is var command && !DistributedLaunch.MayRunAsRank(command) && command.Subcommands.Count == 0)
                throw new InvalidOperationException($"{string.Join(' ', Enumerable.Reverse(Ancestors(parse.CommandResult)))} runs as one process, but this one was started as rank " +
                    $"{Environment.GetEnvironmentVariable("RANK")} of {Environment.GetEnvironmentVariable("WORLD_SIZE")} (WORLD_SIZE is set): run it without a launcher (docs/distributed.md lists the commands that share their work across ranks)");
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            return Fail(e);
        }
    }

    /// <summary>
    /// A command line that does not parse: one line with every error and what the command accepts (its subcommands, or
    /// its options), instead of System.CommandLine's errors followed by the whole help.
    /// </summary>
    private static int ParseFailure(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        var path = string.Join(' ', Enumerable.Reverse(Ancestors(parse.CommandResult)));
        var accepted = command.Subcommands.Count > 0
            ? $"{path} accepts the commands {string.Join(", ", command.Subcommands.Select(c => c.Name))}"
            : $"{path} accepts {string.Join(", ", command.Options.Where(o => !o.Hidden).Select(o => o.Name).Concat(GlobalOptions.Names).Distinct())}";
        Console.Error.WriteLine($"ocular: error: {string.Join("; ", parse.Errors.Select(e => e.Message.TrimEnd('.')))}; {accepted} (see {path} --help)");
        return 1;
    }

    private static IEnumerable<string> Ancestors(System.CommandLine.Parsing.CommandResult result)
    {
        for (var r = result; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
            yield return r.Command is RootCommand ? "ocular" : r.Command.Name;
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
