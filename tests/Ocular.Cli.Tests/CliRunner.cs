using System.Diagnostics;

namespace Ocular.Cli.Tests;

/// <summary>
/// Runs the built <c>ocular</c> command in a child process and captures its output — as on a processor without native
/// bfloat16 (<c>OCULAR_NATIVE_BF16=0</c>) unless the environment given says otherwise.
/// </summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public static Result Run(IDictionary<string, string>? environment, params string[] args)
    {
        using var p = Start(environment, args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    public static Result Run(params string[] args) => Run(null, args);

    /// <summary>Starts <c>ocular</c> with redirected input and output; the caller waits for it (or kills it) and disposes it.</summary>
    public static Process Start(IDictionary<string, string>? environment, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "ocular.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        // explain, evaluate and the demo default to --precision auto, which runs bf16 on a processor with native bfloat16:
        // the tests compare with float32 goldens, so they run as on a processor without it unless a test says otherwise.
        psi.Environment["OCULAR_NATIVE_BF16"] = "0";
        if (environment is not null)
            foreach (var (k, v) in environment) psi.Environment[k] = v;
        var p = Process.Start(psi)!;
        p.StandardInput.Close();
        return p;
    }
}
