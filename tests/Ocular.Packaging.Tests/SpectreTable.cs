namespace Ocular.Packaging.Tests;

/// <summary>Reads a value out of the rounded two-column table `ocular version` prints, where long values wrap onto more lines.</summary>
internal static class SpectreTable
{
    public static string Value(string table, string key)
    {
        var rows = table.Split('\n')
            .Select(line => line.Split('│'))
            .Where(cells => cells.Length == 4)
            .Select(cells => (Key: cells[1].Trim(), Value: cells[2].Trim()))
            .ToList();
        var start = rows.FindIndex(r => r.Key == key);
        if (start < 0) throw new KeyNotFoundException($"no row '{key}' in:\n{table}");
        var continued = rows.Skip(start + 1).TakeWhile(r => r.Key.Length == 0).Select(r => r.Value);
        return string.Concat(new[] { rows[start].Value }.Concat(continued));
    }
}
