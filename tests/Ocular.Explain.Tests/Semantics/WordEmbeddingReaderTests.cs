using Ocular.Explain.Semantics;

namespace Ocular.Explain.Tests.Semantics;

/// <summary>The three readers on small files (values read back exactly, rows normalised) and format detection.</summary>
public class WordEmbeddingReaderTests
{
    private static readonly (string, float[])[] Rows =
    [
        ("the", [0.418f, 0.24968f, -0.41242f]),
        ("café", [3f, 4f, 0f]),
        ("zero", [0f, 0f, 0f]),
        ("big", [3.4028235e38f, -1e-45f, 1.5e-7f]),
        ("traffic", [-2.5e-3f, 0f, 12f]),
    ];

    private static WordEmbeddingLoadOptions NoCache(WordEmbeddingFormat format = WordEmbeddingFormat.Auto) => new() { Format = format, UseCache = false };

    [Fact]
    public void GloVeTextIsReadExactlyWithBlanksCrLfAndExponents()
    {
        using var dir = new TempDirectory();
        var path = EmbeddingFiles.Text(dir, "g.txt",
            "the 0.418 0.24968 -0.41242\r\n" +
            "café 3 4.0 0\n" +
            "\n" +
            "zero 0 -0 0.0\t\n" +
            "big 3.4028235e38 -1E-45 1.5e-07\n" +
            "traffic  -2.5e-3\t0 +12");
        var rows = WordVectorText.Read(path, header: false, progress: null);
        Assert.Equal(["the", "café", "zero", "big", "traffic"], rows.Words);
        Assert.Equal(3, rows.Dimension);
        Assert.Equal(Rows.SelectMany(r => r.Item2).ToArray(), rows.RawValues());
        Assert.Equal(2, rows.Index["zero"]);
    }

    [Fact]
    public void LoadNormalisesEveryRowAndKeepsZeroRowsZero()
    {
        using var dir = new TempDirectory();
        var path = EmbeddingFiles.GloVe(dir, "g.txt", Rows);
        using var e = WordEmbeddings.Load(path, NoCache());
        Assert.Equal(5, e.Count);
        Assert.Equal(3, e.Dimension);
        Assert.Equal(Path.GetFullPath(path), e.Source);
        Assert.Equal([5L, 3], e.Vectors.Shape);
        Assert.Equal([0.6f, 0.8f, 0f], EmbeddingFiles.Row(e.Vectors, 1));
        Assert.Equal([0f, 0f, 0f], EmbeddingFiles.Row(e.Vectors, 2));
        for (var i = 0; i < Rows.Length; i++)
            Assert.Equal(EmbeddingFiles.Normalised(Rows[i].Item2), EmbeddingFiles.Row(e.Vectors, i));
        using var norms = e.Vectors.Norm(2, [1]);
        var n = norms.ToArray<float>();
        Assert.All(n.Where((_, i) => i != 2), x => Assert.Equal(1f, x, 1e-6f));
        Assert.Equal(0f, n[2]);
    }

    [Fact]
    public void Word2VecTextWithFastTextsTrailingSpaceReadsTheSameValues()
    {
        using var dir = new TempDirectory();
        var path = EmbeddingFiles.Vec(dir, "v.vec", Rows);
        var rows = WordVectorText.Read(path, header: true, progress: null);
        Assert.Equal(Rows.Select(r => r.Item1), rows.Words);
        Assert.Equal(Rows.SelectMany(r => r.Item2).ToArray(), rows.RawValues());
        using var e = WordEmbeddings.Load(path, NoCache(WordEmbeddingFormat.Word2VecText));
        Assert.Equal(EmbeddingFiles.Normalised(Rows[4].Item2), EmbeddingFiles.Row(e.Vectors, 4));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Word2VecBinaryIsReadExactlyWithOrWithoutNewlines(bool newlines)
    {
        using var dir = new TempDirectory();
        var path = EmbeddingFiles.Binary(dir, "b.bin", newlines, Rows);
        var rows = WordVectorBinary.Read(path, progress: null);
        Assert.Equal(Rows.Select(r => r.Item1), rows.Words);
        Assert.Equal(Rows.SelectMany(r => r.Item2).ToArray(), rows.RawValues());
        using var e = WordEmbeddings.Load(path, NoCache(WordEmbeddingFormat.Word2VecBinary));
        Assert.Equal(1, e.IndexOf("café"));
        Assert.Equal([0.6f, 0.8f, 0f], EmbeddingFiles.Row(e.Vectors, 1));
    }

    [Fact]
    public void AutoDetectsEachFormatAndReadsTheSameTable()
    {
        using var dir = new TempDirectory();
        var files = new Dictionary<WordEmbeddingFormat, string>
        {
            [WordEmbeddingFormat.GloVeText] = EmbeddingFiles.GloVe(dir, "g.txt", Rows),
            [WordEmbeddingFormat.Word2VecText] = EmbeddingFiles.Vec(dir, "v.vec", Rows),
            [WordEmbeddingFormat.Word2VecBinary] = EmbeddingFiles.Binary(dir, "b.bin", true, Rows),
        };
        using var reference = WordEmbeddings.Load(files[WordEmbeddingFormat.GloVeText], NoCache(WordEmbeddingFormat.GloVeText));
        foreach (var (format, path) in files)
        {
            Assert.Equal(format, WordVectorFormatDetection.Detect(path));
            using var e = WordEmbeddings.Load(path, NoCache());
            Assert.Equal(reference.Words, e.Words);
            Assert.True(reference.Vectors.Equal(e.Vectors), $"{format}: the vectors differ from the GloVe file's");
        }
    }

    [Fact]
    public void DetectionTakesANumericFirstWordWithManyValuesForGloVe()
    {
        using var dir = new TempDirectory();
        var path = EmbeddingFiles.Text(dir, "n.txt", "2 0.5 0.25\n3 1 2\n");
        Assert.Equal(WordEmbeddingFormat.GloVeText, WordVectorFormatDetection.Detect(path));
        using var e = WordEmbeddings.Load(path, NoCache());
        Assert.Equal(["2", "3"], e.Words);
        Assert.Equal(2, e.Dimension);
    }

    [Fact]
    public void AByteOrderMarkIsNotPartOfTheFirstWord()
    {
        using var dir = new TempDirectory();
        var path = EmbeddingFiles.Text(dir, "bom.txt", "\uFEFFa 1 0\nb 0 1\n");
        using var e = WordEmbeddings.Load(path, NoCache());
        Assert.Equal(0, e.IndexOf("a"));
    }

    [Fact]
    public void LongFilesAreParsedAcrossBlocksInFileOrder()
    {
        // 30,000 lines of 20 values (about 7 MB) in blocks of 256 KiB: lines cross block ends, blocks split into parallel parts.
        using var dir = new TempDirectory();
        var random = new Random(7);
        var expected = new float[30_000 * 20];
        var text = new System.Text.StringBuilder();
        for (var i = 0; i < 30_000; i++)
        {
            text.Append('w').Append(i);
            for (var j = 0; j < 20; j++)
            {
                var v = (float)(random.NextDouble() * 2 - 1);
                expected[i * 20 + j] = v;
                text.Append(' ').Append(v.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
            }
            text.Append('\n');
        }
        var path = EmbeddingFiles.Text(dir, "long.txt", text.ToString());
        var progress = new List<double>();
        var rows = WordVectorText.Read(path, header: false, new SynchronousProgress(progress), blockBytes: 256 * 1024);
        Assert.Equal(30_000, rows.Count);
        Assert.Equal("w29999", rows.Words[^1]);
        Assert.Equal(expected, rows.RawValues());
        Assert.Equal(1.0, progress[^1]);
        Assert.Equal(progress.Order(), progress);
    }

    private sealed class SynchronousProgress(List<double> values) : IProgress<double>
    {
        public void Report(double value) => values.Add(value);
    }
}
