using Ocular.Torch;

namespace Ocular.Explain.Semantics;

/// <summary>
/// Top-k along rows with a defined tie order — higher score first, then the lower column — which libtorch's
/// <c>topk</c> does not promise (it may return any of several equal values, in any order). The reference's rule for
/// word ranks (§8.12: "break ties by ascending GloVe row index") applied to cosine ranks.
/// </summary>
internal static class TiedTopK
{
    /// <summary>
    /// The k best columns of each row of <paramref name="scores"/> [B, n]; <paramref name="rows"/> maps a column to the
    /// row it reports (ascending, so column order is row order), or null when columns are rows.
    /// </summary>
    public static WordMatches Select(Tensor scores, int k, int[]? rows)
    {
        var b = (int)scores.Size(0);
        var n = (int)scores.Size(1);
        // topk returns the right multiset of values; only which of several columns equal to the k-th value it keeps, and
        // the order among equal values, are unspecified. One more value tells whether a row has such a tie across its
        // cut (the (k+1)-th value equals the k-th), and only then is the row scanned for its lowest tied columns.
        var fetch = Math.Min(k + 1, n);
        var (values, indices) = scores.TopK(fetch, 1);
        float[] top;
        long[] columns;
        using (values)
        using (indices)
        {
            top = values.Contiguous().ToArray<float>();
            columns = indices.Contiguous().ToArray<long>();
        }

        var resultRows = new int[b, k];
        var resultScores = new float[b, k];
        var entries = new List<(float Score, int Column)>(k);
        for (var q = 0; q < b; q++)
        {
            entries.Clear();
            var threshold = top[q * fetch + k - 1];
            if (fetch == k || top[q * fetch + k] < threshold)
            {
                for (var j = 0; j < k; j++) entries.Add((top[q * fetch + j], (int)columns[q * fetch + j]));
            }
            else
            {
                for (var j = 0; j < k; j++)
                    if (top[q * fetch + j] > threshold) entries.Add((top[q * fetch + j], (int)columns[q * fetch + j]));
                using var row = scores.Select(0, q).Contiguous();
                var all = row.ToArray<float>();
                for (var c = 0; c < n && entries.Count < k; c++)
                    if (all[c] == threshold) entries.Add((threshold, c));
            }
            entries.Sort(static (x, y) => x.Score != y.Score ? y.Score.CompareTo(x.Score) : x.Column.CompareTo(y.Column));
            for (var j = 0; j < k; j++)
            {
                resultRows[q, j] = rows is null ? entries[j].Column : rows[entries[j].Column];
                resultScores[q, j] = entries[j].Score;
            }
        }
        return new WordMatches(resultRows, resultScores);
    }
}
