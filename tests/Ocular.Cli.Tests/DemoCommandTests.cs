namespace Ocular.Cli.Tests;

public class DemoCommandTests
{
    [Fact]
    public void AFolderThatIsNotADemoIsNeverDeleted()
    {
        using var dir = new TempDirectory();
        var mine = dir.File("precious.txt");
        File.WriteAllText(mine, "keep me");
        var r = CliRunner.Run("demo", "--quick", "--out", dir.Path);
        Assert.Equal(1, r.ExitCode);
        Assert.Single(r.StdErr.Trim().Split('\n'));
        Assert.Contains("not an Ocular demo's output", r.StdErr);
        Assert.Equal("keep me", File.ReadAllText(mine));
    }

    [Fact]
    public void AnUnknownDataSetIsOneLineNamingTheChoices()
    {
        using var dir = new TempDirectory();
        var r = CliRunner.Run("demo", "--data", "imagenet", "--out", dir.File("out"));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("--data 'imagenet'", r.StdErr);
        Assert.Contains("shapes or fashion-mnist", r.StdErr);
        Assert.False(Directory.Exists(dir.File("out")));
    }
}
