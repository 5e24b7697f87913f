using System.Globalization;
using System.Text.Json;

namespace Ocular.Cli.Tests;

/// <summary><c>ocular train lavise</c> and <c>ocular explain-filters</c> on the command line (issue 16), and their errors.</summary>
public class LaviseCommandTests
{
    private const string Data = "shapes:count=64,test-count=24,size=32";

    // Parsed embeddings are cached under XDG_CACHE_HOME: keep the test's out of the user's cache.
    private static Dictionary<string, string> Cache(TempDirectory dir) => new() { ["XDG_CACHE_HOME"] = Path.Combine(dir.Path, "cache") };

    // A GloVe-format file with Shapes' 12 concept words and a few others (random 12-d vectors).
    private static string Embeddings(TempDirectory dir)
    {
        var path = Path.Combine(dir.Path, "vectors.txt");
        var random = new Random(5);
        string[] words = ["circle", "square", "triangle", "star", "cross", "ring", "red", "green", "blue", "yellow", "magenta", "cyan", "the", "thing", "paint"];
        File.WriteAllLines(path, words.Select(w => w + " " + string.Join(" ", Enumerable.Range(0, 12).Select(_ => (random.NextDouble() - 0.5).ToString("F4", CultureInfo.InvariantCulture)))));
        return path;
    }

    [Fact]
    public void TrainsAnExplainerAndExplainsFiltersWithRecall()
    {
        using var dir = new TempDirectory();
        var model = Path.Combine(dir.Path, "cnn");
        var c = CliRunner.Run("train", "classifier", "--data", Data, "--arch", "compact_cnn", "--epochs", "1", "--batch-size", "32", "--threads", "2", "--workers", "0", "--quiet", "--out", model);
        Assert.True(c.ExitCode == 0, c.StdErr);
        var vectors = Embeddings(dir);
        var run = Path.Combine(dir.Path, "lavise");
        var t = CliRunner.Run(Cache(dir), "train", "lavise", "--model", Path.Combine(model, "best.ocular"), "--data", Data, "--embeddings", vectors, "--epochs", "2",
            "--batch-size", "16", "--lr", "1e-3", "--threads", "2", "--workers", "0", "--out", run);
        Assert.True(t.ExitCode == 0, t.StdErr);
        Assert.Contains("done: best validation loss", t.StdOut);
        Assert.Contains("8 of 12 label words seen", t.StdOut);
        Assert.True(File.Exists(Path.Combine(run, "concepts.json")));

        var output = Path.Combine(dir.Path, "filters");
        var e = CliRunner.Run(Cache(dir), "explain-filters", "--model", Path.Combine(model, "best.ocular"), "--explainer", Path.Combine(run, "best.ocular"),
            "--filters", "0-20:10", "--method", "projection,activation", "-p", "5", "--stats-cache", Path.Combine(dir.Path, "stats"), "--out", output);
        Assert.True(e.ExitCode == 0, e.StdErr);
        Assert.Contains("frequency baseline", e.StdOut);
        Assert.Contains("filter 10:", e.StdOut);
        using (var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "filters.json"))))
        {
            var methods = json.RootElement.GetProperty("methods");
            Assert.Equal(["projection", "activation"], methods.EnumerateArray().Select(m => m.GetProperty("method").GetString()));
            var filters = methods[0].GetProperty("filters");
            Assert.Equal([0, 10, 20], filters.EnumerateArray().Select(f => f.GetProperty("filter").GetInt32()));
            Assert.All(filters.EnumerateArray(), f => Assert.InRange(f.GetProperty("images").GetArrayLength(), 1, 5));
            Assert.Equal(3, methods[0].GetProperty("recall").GetArrayLength());   // all, seen, unseen
        }
        var csv = File.ReadAllLines(Path.Combine(output, "filters.csv"));
        Assert.Equal("method,filter,threshold,rank,word,count", csv[0]);
        Assert.Contains(csv, l => l.StartsWith("activation,20,", StringComparison.Ordinal));
        var html = File.ReadAllText(Path.Combine(output, "filters.html"));
        Assert.Contains("filter 20:", html);
        Assert.Contains("data:image/png;base64,", html);
        Assert.Single(Directory.GetFiles(Path.Combine(dir.Path, "stats")));   // the statistics were cached

        // A second run reads the cached statistics; a layer the explainer was not trained for is refused in one line.
        var other = CliRunner.Run(Cache(dir), "explain-filters", "--model", Path.Combine(model, "best.ocular"), "--explainer", Path.Combine(run, "best.ocular"),
            "--layer", "block3", "--filters", "0", "--stats-cache", Path.Combine(dir.Path, "stats"), "--out", Path.Combine(dir.Path, "other"));
        Assert.NotEqual(0, other.ExitCode);
        Assert.Contains("explains layer 'block4', not 'block3'", other.StdErr);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "other")));
        var bad = CliRunner.Run(Cache(dir), "explain-filters", "--model", Path.Combine(model, "best.ocular"), "--explainer", Path.Combine(run, "best.ocular"),
            "--filters", "0,9999", "--out", Path.Combine(dir.Path, "bad"));
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("filter 9999 does not exist", bad.StdErr);
    }

    [Fact]
    public void BadEmbeddingFilesAndDataAreRefusedInOneLine()
    {
        using var dir = new TempDirectory();
        var model = Path.Combine(dir.Path, "cnn");
        var c = CliRunner.Run("train", "classifier", "--data", Data, "--arch", "compact_cnn", "--epochs", "1", "--batch-size", "32", "--threads", "2", "--workers", "0", "--quiet", "--out", model);
        Assert.True(c.ExitCode == 0, c.StdErr);
        var ragged = Path.Combine(dir.Path, "ragged.txt");
        File.WriteAllLines(ragged, ["circle 0.1 0.2 0.3", "square 0.1 0.2"]);
        var r = CliRunner.Run(Cache(dir), "train", "lavise", "--model", Path.Combine(model, "best.ocular"), "--data", Data, "--embeddings", ragged, "--out", Path.Combine(dir.Path, "r"));
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("line 2", r.StdErr);
        Assert.False(File.Exists(Path.Combine(dir.Path, "r", "config.json")));
        var f = CliRunner.Run(Cache(dir), "train", "lavise", "--model", Path.Combine(model, "best.ocular"), "--data", "cifar10:/nonexistent", "--embeddings", ragged, "--out", Path.Combine(dir.Path, "f"));
        Assert.NotEqual(0, f.ExitCode);
        Assert.Single(f.StdErr.Trim().Split('\n'));
    }
}
