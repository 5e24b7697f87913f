namespace Ocular.Torch.Nn;

/// <summary>How a state dict matched a module: keys missing from it, keys the module lacks, and wrongly shaped keys.</summary>
/// <param name="Missing">Keys the module has but the state dict does not.</param>
/// <param name="Unexpected">Keys the state dict has but the module does not.</param>
/// <param name="WrongShape">Keys present in both with different shapes.</param>
public sealed record StateDictReport(
    IReadOnlyList<string> Missing,
    IReadOnlyList<string> Unexpected,
    IReadOnlyList<StateDictReport.ShapeMismatch> WrongShape)
{
    /// <summary>A key whose shapes differ.</summary>
    /// <param name="Key">The state-dict key.</param>
    /// <param name="Expected">The module's shape.</param>
    /// <param name="Found">The state dict's shape.</param>
    public sealed record ShapeMismatch(string Key, long[] Expected, long[] Found);

    /// <summary>True when every key matches in name and shape.</summary>
    public bool IsExactMatch => Missing.Count == 0 && Unexpected.Count == 0 && WrongShape.Count == 0;

    /// <summary>A readable list of every mismatch, one per line.</summary>
    public override string ToString()
    {
        if (IsExactMatch) return "all keys match";
        var lines = new List<string>();
        lines.AddRange(Missing.Select(k => $"  missing:     {k}"));
        lines.AddRange(Unexpected.Select(k => $"  unexpected:  {k}"));
        lines.AddRange(WrongShape.Select(m => $"  wrong shape: {m.Key}: expected {Tensor.ShapeString(m.Expected)}, found {Tensor.ShapeString(m.Found)}"));
        return string.Join(Environment.NewLine, lines);
    }
}

/// <summary>Thrown by a strict <see cref="Module.LoadStateDict"/> when the keys or shapes do not match.</summary>
public sealed class StateDictMismatchException : Exception
{
    /// <summary>The full report.</summary>
    public StateDictReport Report { get; }

    /// <summary>Creates the exception for a module type and its report.</summary>
    public StateDictMismatchException(string moduleName, StateDictReport report)
        : base($"the weights do not match {moduleName} ({report.Missing.Count} missing, {report.Unexpected.Count} unexpected, {report.WrongShape.Count} wrongly shaped):{Environment.NewLine}{report}")
        => Report = report;
}

/// <summary>Thrown when a layer path does not name a module; lists the valid paths.</summary>
public sealed class UnknownLayerException : KeyNotFoundException
{
    /// <summary>The path that was asked for.</summary>
    public string Path { get; }

    /// <summary>Every valid layer path of the model.</summary>
    public IReadOnlyList<string> ValidPaths { get; }

    /// <summary>Creates the exception.</summary>
    public UnknownLayerException(string path, string modelName, IReadOnlyList<string> validPaths)
        : base($"unknown layer '{path}' in {modelName}; valid layers: {string.Join(", ", validPaths)}")
    {
        Path = path;
        ValidPaths = validPaths;
    }
}
