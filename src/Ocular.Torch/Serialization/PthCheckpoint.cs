using System.Globalization;
using System.Text;

namespace Ocular.Torch.Serialization;

/// <summary>
/// A state dict read from a <c>.pth</c> file by <see cref="PthReader.LoadCheckpoint"/>, with a report
/// of where it was found and what else the file held. Disposing it disposes the state-dict tensors.
/// </summary>
public sealed class PthCheckpoint : IDisposable
{
    internal PthCheckpoint(string path, Dictionary<string, Tensor> stateDict, string? wrapperKey, string? strippedPrefix,
                           IReadOnlyDictionary<string, object?> extras, IReadOnlyList<string> skipped)
    {
        Path = path;
        StateDict = stateDict;
        WrapperKey = wrapperKey;
        StrippedPrefix = strippedPrefix;
        Extras = extras;
        Skipped = skipped;
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>The state-dict tensors by key, in file order (the caller owns them).</summary>
    public Dictionary<string, Tensor> StateDict { get; }

    /// <summary>
    /// Where the state dict was found: null when the file is the state dict itself, else the
    /// wrapper key (e.g. <c>state_dict</c>), or keys joined by <c>/</c> for a double wrapper
    /// (<c>model/state_dict</c>).
    /// </summary>
    public string? WrapperKey { get; }

    /// <summary>The prefix removed from every key (<c>module.</c> of <c>nn.DataParallel</c>), or null.</summary>
    public string? StrippedPrefix { get; }

    /// <summary>
    /// The other entries holding no tensor (e.g. <c>epoch</c> → 3L, <c>arch</c> → "resnet50"), keyed
    /// by their path (<c>/</c>-joined below a wrapper), as plain values (see <see cref="PthReader.Load"/>).
    /// </summary>
    public IReadOnlyDictionary<string, object?> Extras { get; }

    /// <summary>The entries that hold tensors but are not the state dict (e.g. <c>optimizer</c>); their tensors were disposed.</summary>
    public IReadOnlyList<string> Skipped { get; }

    /// <summary>Disposes the state-dict tensors.</summary>
    public void Dispose()
    {
        foreach (var t in StateDict.Values) t.Dispose();
    }

    /// <summary>One line: the number of tensors, where they were found, the extras and the skipped entries.</summary>
    public override string ToString()
    {
        var text = new StringBuilder($"{Path}: {StateDict.Count} tensors");
        if (WrapperKey is not null) text.Append($" under '{WrapperKey}'");
        if (StrippedPrefix is not null) text.Append($" ('{StrippedPrefix}' removed)");
        if (Extras.Count > 0) text.Append("; extras: ").AppendJoin(", ", Extras.Select(kv => $"{kv.Key}={Format(kv.Value)}"));
        if (Skipped.Count > 0) text.Append("; skipped: ").AppendJoin(", ", Skipped);
        return text.ToString();
    }

    private static string Format(object? value) => value switch
    {
        null => "None",
        string s => s,
        bool b => b ? "True" : "False",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => Pickle.PickleValues.TypeName(value),
    };
}
