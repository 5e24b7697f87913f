namespace Ocular.Cli.Tests;

/// <summary><c>ocular embeddings nearest</c> and <c>build</c>, with the cache redirected by XDG_CACHE_HOME.</summary>
public class EmbeddingsCommandTests
{
    // red, then crimson (cos 0.99), scarlet (0.95), pink (0.8); traffic and light point elsewhere.
    private const string Vectors =
        "red 1 0 0\n" +
        "tree 0 0 1\n" +
        "crimson 0.99 0.1410674 0\n" +
        "traffic 0 1 0.2\n" +
        "scarlet 0.95 0.3122499 0\n" +
        "light 0 1 -0.2\n" +
        "pink 0.8 0.6 0\n" +
        "lamp 0 1 0\n";

    private static (TempDirectory Dir, string File, Dictionary<string, string> Env) Setup(string content = Vectors)
    {
        var dir = new TempDirectory();
        var file = dir.File("tiny.txt");
        File.WriteAllText(file, content);
        return (dir, file, new Dictionary<string, string> { ["XDG_CACHE_HOME"] = dir.File("cache") });
    }

    [Fact]
    public void NearestListsWordsByCosineAndCachesTheParsedFile()
    {
        var (dir, file, env) = Setup();
        using var _ = dir;
        var r = CliRunner.Run(env, "embeddings", "nearest", "red", "-k", "3", "--embeddings", file);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains($"nearest words to 'red' in {file} (8 words × 3):", r.StdOut);
        Assert.Matches(@"1\s*│\s*crimson\s*│\s*0\.9900[\s\S]*2\s*│\s*scarlet\s*│\s*0\.9500[\s\S]*3\s*│\s*pink\s*│\s*0\.8000", r.StdOut);
        Assert.DoesNotContain("tree", r.StdOut);
        Assert.Single(Directory.GetFiles(Path.Combine(dir.Path, "cache", "ocular", "embeddings")));
    }

    [Fact]
    public void ALabelOfSeveralWordsIsTheMeanOfItsWordsAndNotItsOwnAnswer()
    {
        var (dir, file, env) = Setup();
        using var _ = dir;
        var r = CliRunner.Run(env, "embeddings", "nearest", "traffic light", "-k", "1", "--embeddings", file);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Matches(@"1\s*│\s*lamp\s*│\s*1\.0000", r.StdOut); // the mean of (0, 1, ±0.2)/‖·‖ points along lamp's (0, 1, 0)
        Assert.DoesNotMatch(@"│\s*(traffic|light)\s*│", r.StdOut);
    }

    [Fact]
    public void AnUnknownWordIsOneLineNamingTheWordAndTheFile()
    {
        var (dir, file, env) = Setup();
        using var _ = dir;
        var r = CliRunner.Run(env, "embeddings", "nearest", "purple", "--embeddings", file);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"the label 'purple' has no embedding: the word 'purple' is not among the 8 words of {file}", r.StdErr);
        Assert.Single(r.StdErr.Trim().Split('\n'));
    }

    [Fact]
    public void AMalformedFileIsOneLineNamingTheLine()
    {
        var (dir, file, env) = Setup("red 1 0 0\ntree 0 1\n");
        using var _ = dir;
        var r = CliRunner.Run(env, "embeddings", "nearest", "red", "--embeddings", file);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"{file}, line 2: 'tree' has 2 values but line 1 has 3", r.StdErr);
        Assert.Single(r.StdErr.Trim().Split('\n'));
    }

    [Fact]
    public void AnUnknownFormatListsTheAcceptedOnes()
    {
        var (dir, file, env) = Setup();
        using var _ = dir;
        var r = CliRunner.Run(env, "embeddings", "nearest", "red", "--embeddings", file, "--embeddings-format", "csv");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("unknown format 'csv'; expected auto, glove, word2vec (text, .vec) or word2vec-binary", r.StdErr);
    }
}
