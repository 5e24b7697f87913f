using System.Diagnostics;

namespace Ocular.Packaging.Tests;

/// <summary>
/// Runs a command the way a user's shell would, with this test run's oddities removed from its environment: no
/// OCULAR_NATIVE_LIBRARY (the packages must find their own shim) and none of the MSBuild variables that `dotnet test`
/// hands its test host (a child `dotnet build` must resolve its own SDK).
/// </summary>
public static class ChildProcess
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr, TimeSpan Elapsed)
    {
        /// <summary>Everything the command printed, for assertion messages.</summary>
        public string Output => $"exit {ExitCode}\n{StdOut}\n{StdErr}";
    }

    public static Result Run(string fileName, IEnumerable<string> args, string workingDirectory,
        IReadOnlyDictionary<string, string>? environment = null, int timeoutSeconds = 600)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var name in psi.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
            psi.Environment.Remove(name);
        psi.Environment.Remove("OCULAR_NATIVE_LIBRARY");
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["NO_COLOR"] = "1";
        if (environment is not null)
            foreach (var (k, v) in environment) psi.Environment[k] = v;
        var clock = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', psi.ArgumentList)} ran past {timeoutSeconds} s");
        }
        p.WaitForExit();
        return new Result(p.ExitCode, stdout.Result, stderr.Result, clock.Elapsed);
    }

    /// <summary>
    /// Runs the .NET CLI. Build servers are off (--disable-build-servers where the command takes it): a reused MSBuild
    /// node or compiler server would hold this process's output pipes open after the command ends.
    /// </summary>
    public static Result Dotnet(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        Run("dotnet", args, workingDirectory, environment);
}
