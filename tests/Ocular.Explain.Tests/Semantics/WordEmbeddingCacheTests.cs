using Ocular.Explain.Semantics;

namespace Ocular.Explain.Tests.Semantics;

/// <summary>The parsed copy: a second load reads it, a changed or damaged source is parsed again.</summary>
public class WordEmbeddingCacheTests
{
    private static WordEmbeddingLoadOptions In(TempDirectory cache) => new() { CacheDirectory = Path.Combine(cache.Path, "embeddings") };

    [Fact]
    public void TheSecondLoadReadsTheCacheAndEqualsTheFirst()
    {
        using var dir = new TempDirectory();
        var path = EmbeddingFiles.GloVe(dir, "g.txt", ("red", [1f, 2f, 3f]), ("tree", [0f, -1f, 0.5f]), ("日本", [2f, 0f, 0f]));
        using var first = WordEmbeddings.Load(path, In(dir));
        Assert.NotNull(first.CachePath);
        Assert.StartsWith(Path.Combine(dir.Path, "embeddings"), first.CachePath);
        var written = File.GetLastWriteTimeUtc(first.CachePath!);
        Thread.Sleep(20);
        using var second = WordEmbeddings.Load(path, In(dir));
        Assert.Equal(first.CachePath, second.CachePath);
        Assert.Equal(written, File.GetLastWriteTimeUtc(second.CachePath!)); // read, not rewritten
        Assert.Equal(first.Words, second.Words);
        Assert.Equal(2, second.IndexOf("日本"));
        Assert.Equal(first.Source, second.Source);
        Assert.True(first.Vectors.Equal(second.Vectors));
        Assert.Single(Directory.GetFiles(Path.Combine(dir.Path, "embeddings")));
    }

    [Fact]
    public void AChangedFileIsParsedAgainAndReplacesItsCache()
    {
        using var dir = new TempDirectory();
        var path = EmbeddingFiles.GloVe(dir, "g.txt", ("red", [1f, 0f]), ("tree", [0f, 1f]));
        var modified = File.GetLastWriteTimeUtc(path);
        using (var first = WordEmbeddings.Load(path, In(dir)))
            Assert.Equal([1f, 0f], EmbeddingFiles.Row(first.Vectors, 0));
        // Same size and the same modification time: only the content differs.
        EmbeddingFiles.GloVe(dir, "g.txt", ("red", [0f, 1f]), ("tree", [1f, 0f]));
        File.SetLastWriteTimeUtc(path, modified);
        using var second = WordEmbeddings.Load(path, In(dir));
        Assert.Equal([0f, 1f], EmbeddingFiles.Row(second.Vectors, 0));
        Assert.Single(Directory.GetFiles(Path.Combine(dir.Path, "embeddings")));
        using var third = WordEmbeddings.Load(path, In(dir));
        Assert.Equal([0f, 1f], EmbeddingFiles.Row(third.Vectors, 0));
    }

    [Fact]
    public void ADamagedCacheFileIsIgnoredAndRewritten()
    {
        using var dir = new TempDirectory();
        var path = EmbeddingFiles.GloVe(dir, "g.txt", ("red", [3f, 4f]), ("tree", [0f, 1f]));
        string cache;
        using (var first = WordEmbeddings.Load(path, In(dir))) cache = first.CachePath!;
        var bytes = File.ReadAllBytes(cache);
        File.WriteAllBytes(cache, bytes[..(bytes.Length - 5)]);
        using var second = WordEmbeddings.Load(path, In(dir));
        Assert.Equal([0.6f, 0.8f], EmbeddingFiles.Row(second.Vectors, 0));
        Assert.Equal(bytes.Length, new FileInfo(cache).Length);
    }

    [Fact]
    public void TheFormatAskedForHasItsOwnCacheFile()
    {
        using var dir = new TempDirectory();
        var path = EmbeddingFiles.Vec(dir, "v.vec", ("red", [3f, 4f]), ("tree", [0f, 1f]));
        using var auto = WordEmbeddings.Load(path, In(dir));
        using var text = WordEmbeddings.Load(path, In(dir) with { Format = WordEmbeddingFormat.Word2VecText });
        Assert.NotEqual(auto.CachePath, text.CachePath);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(dir.Path, "embeddings")).Length);
    }

    [Fact]
    public void WithoutTheCacheNothingIsWritten()
    {
        using var dir = new TempDirectory();
        var path = EmbeddingFiles.GloVe(dir, "g.txt", ("red", [3f, 4f]));
        using var e = WordEmbeddings.Load(path, In(dir) with { UseCache = false });
        Assert.Null(e.CachePath);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "embeddings")));
    }

    [Fact]
    public void AnUnwritableCacheDirectoryOnlyCostsTheCache()
    {
        using var dir = new TempDirectory();
        var path = EmbeddingFiles.GloVe(dir, "g.txt", ("red", [3f, 4f]));
        var blocked = dir.File("not-a-directory");
        File.WriteAllText(blocked, "a file where the cache directory would be");
        using var e = WordEmbeddings.Load(path, new WordEmbeddingLoadOptions { CacheDirectory = blocked });
        Assert.Null(e.CachePath);
        Assert.Equal([0.6f, 0.8f], EmbeddingFiles.Row(e.Vectors, 0));
    }
}
