using Ocular.Explain.Semantics;
using Ocular.Torch;

namespace Ocular.Explain.Tests.Semantics;

/// <summary>Top-k cosine queries against brute force, the tie order (reference §8.12) and candidate restriction.</summary>
public class NearestWordsTests
{
    private static string[] Names(int n) => [.. Enumerable.Range(0, n).Select(i => $"w{i}")];

    // Cosines in double, sorted by score descending then row ascending: the specification of Nearest.
    private static (int Row, double Score)[] BruteForce(float[] vectors, int dimension, float[] query, IEnumerable<int> candidates, int k)
    {
        var qn = Math.Sqrt(query.Sum(x => (double)x * x));
        return candidates.Select(row =>
            {
                double dot = 0, norm = 0;
                for (var j = 0; j < dimension; j++)
                {
                    dot += (double)vectors[row * dimension + j] * query[j];
                    norm += (double)vectors[row * dimension + j] * vectors[row * dimension + j];
                }
                return (Row: row, Score: dot / (Math.Sqrt(norm) * qn));
            })
            .OrderByDescending(x => x.Score).ThenBy(x => x.Row).Take(k).ToArray();
    }

    [Fact]
    public void RowsAndScoresMatchBruteForceOnRandomVectors()
    {
        using var generator = new Generator(5);
        using var raw = Tensor.Randn([500, 16], generator).Mul(3);
        using var queries = Tensor.Randn([7, 16], generator).Mul(0.1);
        using var e = WordEmbeddings.FromVectors(Names(500), raw, "random");
        var vectors = raw.ToArray<float>();
        var q = queries.ToArray<float>();
        var matches = e.Nearest(queries, 10);
        Assert.Equal(7, matches.Rows.GetLength(0));
        Assert.Equal(10, matches.Rows.GetLength(1));
        for (var b = 0; b < 7; b++)
        {
            var expected = BruteForce(vectors, 16, q[(b * 16)..((b + 1) * 16)], Enumerable.Range(0, 500), 10);
            for (var j = 0; j < 10; j++)
            {
                Assert.Equal(expected[j].Row, matches.Rows[b, j]);
                Assert.Equal(expected[j].Score, matches.Scores[b, j], 1e-5);
            }
        }
    }

    [Theory]
    [InlineData(500 * 3)]   // blocks of 3 queries: 7 = 3 + 3 + 1
    [InlineData(1)]         // a block of one query each
    public void QueriesAnsweredInBlocksEqualOneProduct(long scoreElements)
    {
        using var generator = new Generator(8);
        using var raw = Tensor.Randn([500, 16], generator);
        using var queries = Tensor.Randn([7, 16], generator);
        using var e = WordEmbeddings.FromVectors(Names(500), raw, "random");
        var whole = e.Nearest(queries, 12);
        var blocked = e.Nearest(queries, 12, null, scoreElements);
        Assert.Equal(whole.Rows, blocked.Rows);
        // BLAS may round a product of 3 rows differently from one of 7 in the last bit; nothing more.
        foreach (var (a, b) in whole.Scores.Cast<float>().Zip(blocked.Scores.Cast<float>())) Assert.Equal(a, b, 1e-6f);
        var restricted = e.Nearest(queries, 4, [9, 3, 400, 17, 250], scoreElements);
        Assert.Equal(e.Nearest(queries, 4, [9, 3, 400, 17, 250]).Rows, restricted.Rows);
        Assert.All(Enumerable.Range(0, 7), b => Assert.Contains(restricted.Rows[b, 0], new[] { 3, 9, 17, 250, 400 }));
    }

    [Fact]
    public void ExactTiesAreBrokenByAscendingRow()
    {
        // Unit basis vectors make every cosine exact, so equal rows tie exactly whatever the matrix product's order.
        float[][] rows =
        [
            [0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0],
            [1, 0, 0, 0], [0, 0, 0, 1], [2, 0, 0, 0], [0, 0, 1, 0], [5, 0, 0, 0],
        ];
        using var table = Tensor.FromArray(rows.SelectMany(r => r).ToArray(), 10, 4);
        using var e = WordEmbeddings.FromVectors(Names(10), table, "ties");
        using var queries = Tensor.FromArray([3f, 0, 0, 0, 0, 2, 2, 0], 2, 4);
        var m = e.Nearest(queries, 6);
        Assert.Equal([1, 3, 5, 7, 9, 0], Row(m.Rows, 0)); // five tied at 1, then the ties at 0 by row
        Assert.Equal([1f, 1f, 1f, 1f, 1f, 0f], Row(m.Scores, 0));
        Assert.Equal([0, 2, 4, 8, 1, 3], Row(m.Rows, 1));
        var cut = e.Nearest(queries, 3);
        Assert.Equal([1, 3, 5], Row(cut.Rows, 0));
        Assert.Equal([0, 2, 4], Row(cut.Rows, 1));
    }

    [Fact]
    public void ThousandsOfTiesKeepTheLowestRows()
    {
        // libtorch's topk is free to return any k of 5,000 equal values; Nearest must return rows 0…19, in order.
        var data = new float[5000 * 3];
        for (var i = 0; i < 5000; i++) data[i * 3 + (i % 7 == 3 ? 1 : 0)] = 1 + i % 5;
        using var table = Tensor.FromArray(data, 5000, 3);
        using var e = WordEmbeddings.FromVectors(Names(5000), table, "many ties");
        using var queries = Tensor.FromArray([1f, 0, 0, 0, 0, 0], 2, 3);
        var m = e.Nearest(queries, 20);
        Assert.Equal(Enumerable.Range(0, 5000).Where(i => i % 7 != 3).Take(20), Row(m.Rows, 0));
        Assert.Equal(Enumerable.Range(0, 20), Row(m.Rows, 1)); // a zero query scores 0 everywhere: rows in order
        Assert.All(Row(m.Scores, 1), s => Assert.Equal(0f, s));
    }

    [Fact]
    public void RestrictToRanksOnlyTheGivenRows()
    {
        using var generator = new Generator(9);
        using var raw = Tensor.Randn([50, 8], generator);
        using var queries = Tensor.Randn([3, 8], generator);
        using var e = WordEmbeddings.FromVectors(Names(50), raw, "random");
        int[] allowed = [41, 3, 17, 3, 29, 8, 0];
        var m = e.Nearest(queries, 4, allowed);
        var vectors = raw.ToArray<float>();
        var q = queries.ToArray<float>();
        for (var b = 0; b < 3; b++)
        {
            var expected = BruteForce(vectors, 8, q[(b * 8)..((b + 1) * 8)], allowed.Distinct(), 4);
            Assert.Equal(expected.Select(x => x.Row), Row(m.Rows, b));
            for (var j = 0; j < 4; j++) Assert.Equal(expected[j].Score, m.Scores[b, j], 1e-5);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => e.Nearest(queries, 7, allowed)); // six distinct rows
        Assert.Contains("the row 50, outside 0…49", Assert.Throws<ArgumentException>(() => e.Nearest(queries, 1, [2, 50])).Message);
    }

    [Fact]
    public void BadQueriesAreRejected()
    {
        using var e = WordEmbeddings.FromVectors(["a", "b"], Tensor.Eye(2), "tiny");
        Assert.Contains("queries must be [B, 2]", Assert.Throws<ArgumentException>(() => e.Nearest(Tensor.Ones(3), 1)).Message);
        Assert.Contains("NaN or infinite", Assert.Throws<ArgumentException>(() => e.Nearest(Tensor.FromArray([1f, float.NaN], 1, 2), 1)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => e.Nearest(Tensor.Ones(1, 2), 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => e.Nearest(Tensor.Ones(1, 2), 0));
    }

    [Fact]
    public void DisposedTablesRefuseQueries()
    {
        var e = WordEmbeddings.FromVectors(["a", "b"], Tensor.Eye(2), "tiny");
        e.Dispose();
        Assert.Throws<ObjectDisposedException>(() => e.Nearest(Tensor.Ones(1, 2), 1));
    }

    private static T[] Row<T>(T[,] values, int b) => [.. Enumerable.Range(0, values.GetLength(1)).Select(j => values[b, j])];
}
