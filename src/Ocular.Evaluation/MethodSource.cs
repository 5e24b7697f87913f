using Ocular.Explain;
using Ocular.Vision.Models;

namespace Ocular.Evaluation;

/// <summary>
/// A method under evaluation: an explainer built for the model by a factory, or maps made elsewhere and
/// read from a <c>.npy</c> file ([N, H, W] float, one map per image in data-set order), so that other
/// libraries' output is judged under exactly the same protocol.
/// </summary>
public sealed class MethodSource
{
    private MethodSource(string name, Func<Classifier, IExplainer>? factory, string? mapsPath)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("a method needs a name");
        Name = name;
        Factory = factory;
        MapsPath = mapsPath;
    }

    /// <summary>The method's name in tables and files.</summary>
    public string Name { get; }

    /// <summary>Builds the explainer for a model (null for maps from a file).</summary>
    public Func<Classifier, IExplainer>? Factory { get; }

    /// <summary>The <c>.npy</c> file of maps (null for an explainer).</summary>
    public string? MapsPath { get; }

    /// <summary>A method computed by an explainer.</summary>
    public static MethodSource Explainer(string name, Func<Classifier, IExplainer> factory) => new(name, factory ?? throw new ArgumentNullException(nameof(factory)), null);

    /// <summary>A method whose maps are read from <paramref name="path"/>.</summary>
    public static MethodSource Maps(string name, string path) => new(name, null, path);

    /// <summary>Parses the command line's <c>NAME=FILE.npy</c>.</summary>
    /// <exception cref="FormatException">Not of that form.</exception>
    public static MethodSource ParseMaps(string text)
    {
        var eq = text.IndexOf('=');
        if (eq <= 0 || eq == text.Length - 1)
            throw new FormatException($"--maps '{text}': expected NAME=FILE.npy (the name shown in the results, then an [N, H, W] float .npy in data-set order)");
        return Maps(text[..eq].Trim(), text[(eq + 1)..].Trim());
    }

    /// <summary>"explainer" or the file.</summary>
    public string Describe() => MapsPath is null ? "explainer" : "maps:" + MapsPath;

    /// <inheritdoc/>
    public override string ToString() => Name;
}
