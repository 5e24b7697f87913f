namespace Ocular.Cli.Tests;

public class VersionCommandTests
{
    [Fact]
    public void PrintsVersionsThreadsAndOpenBlas()
    {
        var r = CliRunner.Run("version", "--threads", "1");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("libtorch", r.StdOut);
        Assert.Contains("1.13.", r.StdOut);
        Assert.Contains("4.6.0", r.StdOut);
        Assert.Matches(@"intra-op threads\s*│\s*1\s", r.StdOut);
        Assert.Contains("openblas", r.StdOut);
    }

    [Fact]
    public void AMissingNativeLibraryFailsInOneLineThatNamesIt()
    {
        var r = CliRunner.Run(new Dictionary<string, string> { ["OCULAR_NATIVE_LIBRARY"] = "/nonexistent/libocular_native.so" }, "version");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("ocular: error: Ocular's native library (libocular_native.so, which links libtorch and OpenCV) could not be loaded: " +
                     "OCULAR_NATIVE_LIBRARY names /nonexistent/libocular_native.so, which does not exist.", Assert.Single(r.StdErr.Trim().Split('\n')));
    }

    [Fact]
    public void ShowsWhereTheNativeLibraryWasLoadedFromAndTheBlasCheck()
    {
        var r = CliRunner.Run("version", "--threads", "1");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("", r.StdErr);   // libblas.so.3 is OpenBLAS here (test.sh installs it): no warning
        Assert.Contains("│ BLAS check       │ OpenBLAS (or no libblas.so.3)", r.StdOut);
        // The path wraps in the table: compare it without the table's frame.
        var cells = string.Concat(r.StdOut.Split('\n').SkipWhile(l => !l.Contains("native library")).TakeWhile(l => l.StartsWith('│'))
            .Select(l => l.Split('│')[2].Trim()));
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "libocular_native.so"), cells);
    }

    [Fact]
    public void UnknownCommandFails()
    {
        var r = CliRunner.Run("no-such-command");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("no-such-command", r.StdErr + r.StdOut);
    }
}
