using System.Globalization;
using System.Text;

namespace Ocular.Explain.Tests.Semantics;

/// <summary>Writes small word-vector files in the three formats for the reader tests.</summary>
internal static class EmbeddingFiles
{
    public static string Text(TempDirectory dir, string name, string content)
    {
        var path = dir.File(name);
        File.WriteAllBytes(path, Encoding.UTF8.GetBytes(content));
        return path;
    }

    /// <summary>GloVe text of <paramref name="rows"/> (values written with the shortest round-trip form).</summary>
    public static string GloVe(TempDirectory dir, string name, params (string Word, float[] Values)[] rows) =>
        Text(dir, name, string.Concat(rows.Select(r => $"{r.Word} {Values(r.Values)}\n")));

    /// <summary>fastText <c>.vec</c>: a header, then lines with a trailing space, as fastText writes them.</summary>
    public static string Vec(TempDirectory dir, string name, params (string Word, float[] Values)[] rows) =>
        Text(dir, name, $"{rows.Length} {rows[0].Values.Length}\n" + string.Concat(rows.Select(r => $"{r.Word} {Values(r.Values)} \n")));

    /// <summary>word2vec binary; <paramref name="newlines"/> says whether each vector is followed by '\n'.</summary>
    public static string Binary(TempDirectory dir, string name, bool newlines, params (string Word, float[] Values)[] rows) =>
        BinaryWithHeader(dir, name, $"{rows.Length} {rows[0].Values.Length}", newlines, rows);

    public static string BinaryWithHeader(TempDirectory dir, string name, string header, bool newlines, params (string Word, float[] Values)[] rows)
    {
        var path = dir.File(name);
        using var stream = File.Create(path);
        using var writer = new BinaryWriter(stream);
        writer.Write(Encoding.ASCII.GetBytes(header + "\n"));
        foreach (var (word, values) in rows)
        {
            writer.Write(Encoding.UTF8.GetBytes(word + " "));
            foreach (var v in values) writer.Write(v);
            if (newlines) writer.Write((byte)'\n');
        }
        return path;
    }

    public static string Values(float[] values) => string.Join(' ', values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

    /// <summary>Row i of a [V, D] float tensor.</summary>
    public static float[] Row(Ocular.Torch.Tensor vectors, int i)
    {
        using var row = vectors.Select(0, i).Contiguous();
        return row.ToArray<float>();
    }

    /// <summary>The row divided by its L2 norm, both in double (the reader's rule), or the row itself when zero.</summary>
    public static float[] Normalised(float[] row)
    {
        var norm = Math.Sqrt(row.Sum(x => (double)x * x));
        return norm == 0 ? row : [.. row.Select(x => (float)(x / norm))];
    }
}
