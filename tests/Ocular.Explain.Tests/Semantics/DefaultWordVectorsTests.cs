using Ocular.Explain.Semantics;

namespace Ocular.Explain.Tests.Semantics;

/// <summary>
/// The default vectors through the real code path — Debian's fasttext on Debian's WordNet (test.sh installs both) — on a
/// sample of the synsets at 8 dimensions and one epoch, so that a build takes seconds; the whole corpus at the
/// real settings is built by `ocular embeddings build` (docs/embeddings.md has its figures).
/// </summary>
public class DefaultWordVectorsTests
{
    private static readonly WordVectorSettings Small = WordVectorSettings.Default with { Dimension = 8, Epochs = 1 };

    // The first 1,500 synsets of each of Debian's WordNet files: the real format and text, a fraction of the training time.
    private static DefaultWordVectors.Tools WordNetSample(TempDirectory dir)
    {
        var wordNet = Path.Combine(dir.Path, "wordnet");
        Directory.CreateDirectory(wordNet);
        foreach (var name in WordNetGlossCorpus.DataFiles)
            File.WriteAllLines(Path.Combine(wordNet, name), File.ReadLines(Path.Combine(DefaultWordVectors.Tools.Default.WordNetDirectory, name)).Take(1_529));
        return DefaultWordVectors.Tools.Default with { WordNetDirectory = wordNet };
    }

    [Fact]
    public void TwoBuildsGiveTheSameBytesAndEveryCorpusWord()
    {
        using var dir = new TempDirectory();
        var tools = WordNetSample(dir);
        var first = DefaultWordVectors.BuildWith(Small, tools, Path.Combine(dir.Path, "a"), null, default);
        var second = DefaultWordVectors.BuildWith(Small, tools, Path.Combine(dir.Path, "b"), null, default);
        Assert.True(first.Built);
        Assert.Equal(4 * 1_500, first.Corpus!.Synsets);
        Assert.Equal(Path.GetFileName(first.Path), Path.GetFileName(second.Path));
        Assert.Equal(File.ReadAllBytes(first.Path), File.ReadAllBytes(second.Path));
        Assert.Equal(first.Corpus.DistinctTokens, first.Words); // minCount 1 keeps every token, and '</s>' is dropped
        Assert.Equal(8, first.Dimension);

        using var e = WordEmbeddings.Load(first.Path, new WordEmbeddingLoadOptions { UseCache = false });
        Assert.Equal(first.Words, e.Count);
        Assert.Equal(8, e.Dimension);
        Assert.Equal(-1, e.IndexOf("</s>"));
        Assert.NotEmpty(e.LabelRows("entity"));

        var again = DefaultWordVectors.BuildWith(Small, tools, Path.Combine(dir.Path, "a"), null, default);
        Assert.False(again.Built);
        Assert.Equal(first.Path, again.Path);
        Assert.Equal(first.Words, again.Words);
        Assert.Single(Directory.GetFileSystemEntries(Path.Combine(dir.Path, "a"))); // the build's work directory is gone
    }

    [Fact]
    public void TheWholeCorpusHasTheLabelWords()
    {
        using var output = new MemoryStream();
        var statistics = WordNetGlossCorpus.Write(DefaultWordVectors.Tools.Default.WordNetDirectory, output);
        Assert.Equal(new WordNetCorpusStatistics(117_659, 1_756_485, 110_774), statistics);
        var words = System.Text.Encoding.UTF8.GetString(output.ToArray()).Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        foreach (var word in new[] { "traffic", "light", "sidewalk", "circle", "square", "triangle", "hexagon", "star", "red", "green", "blue", "yellow", "dog", "car", "tree" })
            Assert.Contains(word, words);
    }

    [Fact]
    public void SettingsAreInTheFileName()
    {
        var tools = DefaultWordVectors.Tools.Default;
        var a = DefaultWordVectors.PathFor(Small, tools, "/cache");
        Assert.Matches(@"^/cache/wordnet-skipgram-8d-[0-9a-f]{16}\.vec$", a);
        Assert.NotEqual(a, DefaultWordVectors.PathFor(Small with { Seed = 2 }, tools, "/cache"));
        Assert.Equal(a, DefaultWordVectors.PathFor(Small with { }, tools, "/cache"));
    }

    [Fact]
    public void MissingPackagesAreNamed()
    {
        using var dir = new TempDirectory();
        var both = Assert.Throws<FileNotFoundException>(() =>
            DefaultWordVectors.BuildWith(Small, new DefaultWordVectors.Tools(null, "/nonexistent/wordnet"), dir.Path, null, default));
        Assert.Contains("install the Debian packages 'fasttext' and 'wordnet-base' (apt-get install fasttext wordnet-base)", both.Message);
        Assert.Contains("--embeddings FILE", both.Message);
        var fastText = Assert.Throws<FileNotFoundException>(() =>
            DefaultWordVectors.BuildWith(Small, DefaultWordVectors.Tools.Default with { FastText = "/nonexistent/fasttext" }, dir.Path, null, default));
        Assert.Contains("fastText (/nonexistent/fasttext) is missing: install the Debian package 'fasttext' (apt-get install fasttext)", fastText.Message);
    }

    [Fact]
    public void InvalidSettingsAreNamed()
    {
        Assert.Contains("dimension", Assert.Throws<ArgumentException>(() => (Small with { Dimension = 0 }).Validate()).Message);
        Assert.Contains("minn", Assert.Throws<ArgumentException>(() => (Small with { MinN = 4, MaxN = 3 }).Validate()).Message);
    }
}
