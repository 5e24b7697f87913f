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
    public void MissingNativeLibraryNamesTheSetUpCommand()
    {
        var r = CliRunner.Run(new Dictionary<string, string> { ["OCULAR_NATIVE_LIBRARY"] = "/nonexistent/libocular_native.so" }, "version");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("could not be loaded", r.StdErr);
        Assert.Contains("./test.sh", r.StdErr);
        Assert.Single(r.StdErr.Trim().Split('\n'));
    }

    [Fact]
    public void UnknownCommandFails()
    {
        var r = CliRunner.Run("no-such-command");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("no-such-command", r.StdErr + r.StdOut);
    }
}
