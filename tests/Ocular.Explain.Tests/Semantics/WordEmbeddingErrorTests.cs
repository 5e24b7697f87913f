using Ocular.Explain.Semantics;

namespace Ocular.Explain.Tests.Semantics;

/// <summary>Every malformed file gives one <see cref="WordEmbeddingFormatException"/> naming the file and the line (issue 16, "bad input").</summary>
public class WordEmbeddingErrorTests
{
    private static WordEmbeddingFormatException Fails(string path, WordEmbeddingFormat format = WordEmbeddingFormat.Auto)
    {
        var e = Assert.Throws<WordEmbeddingFormatException>(() => WordEmbeddings.Load(path, new WordEmbeddingLoadOptions { Format = format, UseCache = false }));
        Assert.Equal(Path.GetFullPath(path), e.FilePath);
        Assert.StartsWith(Path.GetFullPath(path), e.Message);
        return e;
    }

    [Fact]
    public void ALineWithAnotherNumberOfValuesThanTheFirstNamesBoth()
    {
        using var dir = new TempDirectory();
        var e = Fails(EmbeddingFiles.Text(dir, "g.txt", "a 1 2 3\nb 4 5 6\nc 7 8\nd 1 1 1\n"));
        Assert.Equal(3, e.Line);
        Assert.Contains(", line 3: 'c' has 2 values but line 1 has 3", e.Message);
    }

    [Fact]
    public void ALineWithMoreValuesThanTheHeaderSays()
    {
        using var dir = new TempDirectory();
        var e = Fails(EmbeddingFiles.Text(dir, "v.vec", "2 2\na 1 2\nb 1 2 3\n"));
        Assert.Equal(3, e.Line);
        Assert.Contains("'b' has 3 values but the header (line 1) gives the dimension 2", e.Message);
    }

    [Fact]
    public void AHeaderCountAboveTheLinesNamesTheCounts()
    {
        using var dir = new TempDirectory();
        var e = Fails(EmbeddingFiles.Text(dir, "v.vec", "5 2\na 1 2\nb 1 2\nc 3 4\n"));
        Assert.Equal(1, e.Line);
        Assert.Contains("the header announces 5 words but the file has 3 (its last line is 4)", e.Message);
    }

    [Fact]
    public void AHeaderCountBelowTheLinesNamesTheFirstExtraLine()
    {
        using var dir = new TempDirectory();
        var e = Fails(EmbeddingFiles.Text(dir, "v.vec", "2 2\na 1 2\nb 1 2\nc 3 4\n"));
        Assert.Equal(4, e.Line);
        Assert.Contains("line 4: the header (line 1) announces 2 words but this line holds word 3", e.Message);
    }

    [Fact]
    public void ADuplicateWordNamesBothLines()
    {
        using var dir = new TempDirectory();
        var e = Fails(EmbeddingFiles.Text(dir, "g.txt", "a 1 2\nthe 1 2\nb 3 4\nthe 5 6\n"));
        Assert.Equal(4, e.Line);
        Assert.Contains("line 4: the word 'the' appears a second time (first at line 2)", e.Message);
    }

    [Theory]
    [InlineData("0.5 abc 1", "value 2 of 'x', 'abc', is not a number")]
    [InlineData("0.5 1,5 1", "value 2 of 'x', '1,5', is not a number")]
    [InlineData("0.5 1 NaN", "value 3 of 'x', 'NaN', is not a finite float32")]
    [InlineData("-Infinity 1 1", "value 1 of 'x', '-Infinity', is not a finite float32")]
    [InlineData("1e50 1 1", "value 1 of 'x', '1e50', is not a finite float32")]
    public void ANonNumberOrNonFiniteValueNamesLineAndValue(string values, string message)
    {
        using var dir = new TempDirectory();
        var e = Fails(EmbeddingFiles.Text(dir, "g.txt", $"a 1 2 3\nx {values}\n"));
        Assert.Equal(2, e.Line);
        Assert.Contains($"line 2: {message}", e.Message);
    }

    [Theory]
    [InlineData(WordEmbeddingFormat.Auto)]
    [InlineData(WordEmbeddingFormat.GloVeText)]
    [InlineData(WordEmbeddingFormat.Word2VecText)]
    [InlineData(WordEmbeddingFormat.Word2VecBinary)]
    public void AnEmptyFileIsNamed(WordEmbeddingFormat format)
    {
        using var dir = new TempDirectory();
        var e = Fails(EmbeddingFiles.Text(dir, "empty.txt", ""), format);
        Assert.Null(e.Line);
        Assert.Contains("the file is empty", e.Message);
    }

    [Fact]
    public void AFileOfBlankLinesHasNoVectors()
    {
        using var dir = new TempDirectory();
        var e = Fails(EmbeddingFiles.Text(dir, "blank.txt", "\n  \n\n"));
        Assert.Contains("only blank lines", e.Message);
    }

    [Fact]
    public void AWordWithoutValuesNamesItsLine()
    {
        using var dir = new TempDirectory();
        var e = Fails(EmbeddingFiles.Text(dir, "g.txt", "\nlonely\nb 1 2\n"));
        Assert.Equal(2, e.Line);
        Assert.Contains("'lonely' has no values", e.Message);
    }

    [Fact]
    public void AWordThatIsNotUtf8NamesItsLine()
    {
        using var dir = new TempDirectory();
        var path = dir.File("bad.txt");
        File.WriteAllBytes(path, [.. "a 1 2\n"u8, 0x62, 0xFF, .. " 1 2\n"u8]);
        var e = Fails(path, WordEmbeddingFormat.GloVeText);
        Assert.Equal(2, e.Line);
        Assert.Contains("is not valid UTF-8", e.Message);
    }

    [Fact]
    public void AHeaderReadAsGloVeSaysToReadTheFileAsWord2VecText()
    {
        using var dir = new TempDirectory();
        var e = Fails(EmbeddingFiles.Text(dir, "v.vec", "2 3\na 1 2 3\nb 1 2 3\n"), WordEmbeddingFormat.GloVeText);
        Assert.Equal(2, e.Line);
        Assert.Contains("'a' has 3 values but line 1 has 1", e.Message);
        Assert.Contains("line 1 looks like a word2vec header 'V D': read the file as Word2VecText", e.Message);
    }

    [Fact]
    public void AMalformedHeaderIsNamed()
    {
        using var dir = new TempDirectory();
        var e = Fails(EmbeddingFiles.Text(dir, "v.vec", "a 1 2\nb 1 2\n"), WordEmbeddingFormat.Word2VecText);
        Assert.Equal(1, e.Line);
        Assert.Contains("line 1: expected the header 'V D'", e.Message);
    }

    [Fact]
    public void ATruncatedBinaryFileNamesTheEntryAndOffset()
    {
        using var dir = new TempDirectory();
        var path = EmbeddingFiles.Binary(dir, "b.bin", true, ("a", [1f, 2f]), ("bb", [3f, 4f]), ("c", [5f, 6f]));
        var bytes = File.ReadAllBytes(path);
        // Header "3 2\n" (4 bytes), "a " + 8 + "\n" (11), then "bb " starts at byte 15; cut 3 bytes into its vector.
        File.WriteAllBytes(path, bytes[..(15 + 3 + 3)]);
        var e = Fails(path);
        Assert.Equal(3, e.Line);
        Assert.Equal(15, e.ByteOffset);
        Assert.Contains("entry 3 (byte offset 15): the file ends inside the vector of 'bb': 3 of its 8 bytes are there", e.Message);
    }

    [Fact]
    public void ABinaryFileWithFewerWordsThanItsHeaderNamesTheCounts()
    {
        using var dir = new TempDirectory();
        var path = EmbeddingFiles.BinaryWithHeader(dir, "b.bin", "4 2", true, ("a", [1f, 2f]), ("b", [3f, 4f]));
        var e = Fails(path, WordEmbeddingFormat.Word2VecBinary);
        Assert.Equal(4, e.Line);
        Assert.Contains("the file ends after 2 words but the header (line 1) announces 4", e.Message);
    }

    [Fact]
    public void ABinaryFileWithMoreDataThanItsHeaderSays()
    {
        using var dir = new TempDirectory();
        var path = EmbeddingFiles.BinaryWithHeader(dir, "b.bin", "1 2", true, ("a", [1f, 2f]), ("b", [3f, 4f]));
        var e = Fails(path, WordEmbeddingFormat.Word2VecBinary);
        Assert.Equal(3, e.Line);
        Assert.Contains("the header (line 1) announces 1 words but more data follows them", e.Message);
    }

    [Fact]
    public void ABinaryDuplicateNamesBothEntries()
    {
        using var dir = new TempDirectory();
        var path = EmbeddingFiles.Binary(dir, "b.bin", true, ("a", [1f, 2f]), ("b", [3f, 4f]), ("a", [5f, 6f]));
        var e = Fails(path);
        Assert.Equal(4, e.Line);
        Assert.Contains("the word 'a' appears a second time (first at entry 2)", e.Message);
    }

    [Fact]
    public void ABinaryNonFiniteValueIsNamed()
    {
        using var dir = new TempDirectory();
        var path = EmbeddingFiles.Binary(dir, "b.bin", true, ("a", [1f, 2f]), ("b", [3f, float.NaN]));
        var e = Fails(path);
        Assert.Equal(3, e.Line);
        Assert.Contains("value 2 of 'b' is NaN, not a finite number", e.Message);
    }

    [Fact]
    public void AMissingFileIsFileNotFound()
    {
        var e = Assert.Throws<FileNotFoundException>(() => WordEmbeddings.Load("/nonexistent/glove.6B.300d.txt"));
        Assert.Contains("/nonexistent/glove.6B.300d.txt", e.Message);
    }
}
