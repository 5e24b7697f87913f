using System.Globalization;
using System.Text;
using System.Text.Json;
using Ocular.Torch.Serialization;

namespace Ocular.Vision.Training;

/// <summary>
/// The per-epoch metrics of a run, kept as <c>metrics.jsonl</c> (one JSON object per line) and
/// <c>metrics.csv</c> (same rows, fixed columns) in the run directory. Both files are rewritten
/// atomically after each row, so a killed run never leaves a half-written line, and a resumed run
/// drops the rows of epochs it is about to redo.
/// </summary>
public sealed class MetricsLog
{
    private readonly string _jsonPath;
    private readonly string _csvPath;
    private readonly List<IReadOnlyDictionary<string, object>> _rows = [];
    private readonly List<string> _columns = [];

    /// <summary>Opens (or creates) the log in <paramref name="runDirectory"/>, reading rows already there.</summary>
    public MetricsLog(string runDirectory)
    {
        Directory.CreateDirectory(runDirectory);
        _jsonPath = Path.Combine(runDirectory, "metrics.jsonl");
        _csvPath = Path.Combine(runDirectory, "metrics.csv");
        if (!File.Exists(_jsonPath)) return;
        var lineNumber = 0;
        foreach (var line in File.ReadLines(_jsonPath))
        {
            lineNumber++;
            if (line.Length == 0) continue;
            try
            {
                using var doc = JsonDocument.Parse(line);
                var row = new Dictionary<string, object>();
                foreach (var p in doc.RootElement.EnumerateObject())
                    row[p.Name] = p.Value.ValueKind == JsonValueKind.Number ? p.Value.GetDouble() : p.Value.ToString();
                Add(row, write: false);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{_jsonPath}: line {lineNumber} is not a JSON object ({e.Message})", e);
            }
        }
    }

    /// <summary>The rows logged so far, in order.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, object>> Rows => _rows;

    /// <summary>Appends a row (values are numbers or strings) and rewrites both files atomically.</summary>
    public void Append(IReadOnlyDictionary<string, object> row) => Add(row, write: true);

    /// <summary>Keeps only the rows whose <paramref name="column"/> is at most <paramref name="last"/> (used when resuming).</summary>
    public void TruncateAfter(string column, double last)
    {
        _rows.RemoveAll(r => r.TryGetValue(column, out var v) && v is double d && d > last);
        Write();
    }

    private void Add(IReadOnlyDictionary<string, object> row, bool write)
    {
        foreach (var key in row.Keys)
            if (!_columns.Contains(key)) _columns.Add(key);
        _rows.Add(row);
        if (write) Write();
    }

    private void Write()
    {
        var json = new StringBuilder();
        foreach (var row in _rows) json.Append(JsonSerializer.Serialize(row.ToDictionary(kv => kv.Key, kv => kv.Value))).Append('\n');
        AtomicFile.WriteAllText(_jsonPath, json.ToString());

        var csv = new StringBuilder();
        csv.AppendJoin(',', _columns.Select(Quote)).Append('\n');
        foreach (var row in _rows)
            csv.AppendJoin(',', _columns.Select(c => row.TryGetValue(c, out var v) ? Format(v) : "")).Append('\n');
        AtomicFile.WriteAllText(_csvPath, csv.ToString());
    }

    private static string Format(object value) => value switch
    {
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        int or long => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        _ => Quote(value.ToString() ?? ""),
    };

    private static string Quote(string text) =>
        text.IndexOfAny([',', '"', '\n']) >= 0 ? "\"" + text.Replace("\"", "\"\"") + "\"" : text;
}
