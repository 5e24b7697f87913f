using System.Globalization;
using Ocular.Torch;

namespace Ocular.Explain;

/// <summary>
/// Which class each image is explained for: the predicted class (default), a class index, a class
/// name, or each of the top-k predicted classes (k maps per image, image-major).
/// </summary>
public sealed record TargetSelection
{
    private TargetSelection(string kind, long index = 0, string? name = null, int k = 1)
    {
        Kind = kind;
        Index = index;
        ClassName = name;
        K = k;
    }

    private string Kind { get; }

    /// <summary>The class index (for <see cref="Class(long)"/>).</summary>
    public long Index { get; }

    /// <summary>The class name (for <see cref="Named"/>).</summary>
    public string? ClassName { get; }

    /// <summary>How many classes per image (1 except for <see cref="TopK"/>).</summary>
    public int K { get; }

    /// <summary>The top-1 predicted class of each image.</summary>
    public static TargetSelection Predicted { get; } = new("predicted");

    /// <summary>A fixed class index for every image.</summary>
    public static TargetSelection Class(long index) =>
        index < 0 ? throw new ArgumentOutOfRangeException(nameof(index), index, "class index must be non-negative") : new("index", index);

    /// <summary>A fixed class, by name.</summary>
    public static TargetSelection Named(string name) => new("name", name: name);

    /// <summary>Each of the <paramref name="k"/> most probable classes of each image.</summary>
    public static TargetSelection TopK(int k) =>
        k < 1 ? throw new ArgumentOutOfRangeException(nameof(k), k, "k must be at least 1") : new("topk", k: k);

    /// <summary>Parses the command line's <c>predicted</c>, <c>INDEX</c>, <c>top-K</c> or a class name.</summary>
    public static TargetSelection Parse(string text)
    {
        var t = text.Trim();
        if (t.Equals("predicted", StringComparison.OrdinalIgnoreCase)) return Predicted;
        if (long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var index)) return Class(index);
        if (t.StartsWith("top-", StringComparison.OrdinalIgnoreCase) && int.TryParse(t.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out var k)) return TopK(k);
        if (t.Length == 0) throw new FormatException("empty target: expected predicted, a class index, a class name or top-K");
        return Named(t);
    }

    /// <summary>
    /// The target classes: int64 [N·K], image-major (image 0's K classes first), from the model's
    /// logits [N, C] and its class names.
    /// </summary>
    public Tensor Resolve(Tensor logits, IReadOnlyList<string> classNames)
    {
        var (n, classes) = (logits.Size(0), logits.Size(1));
        switch (Kind)
        {
            case "predicted":
                return logits.Argmax(1);
            case "index":
                if (Index >= classes) throw new ArgumentOutOfRangeException(nameof(Index), Index, $"class index {Index} is out of range: the model has {classes} classes (0..{classes - 1})");
                return Tensor.Full([n], Index, ScalarType.Int64);
            case "name":
                var i = classNames.ToList().IndexOf(ClassName!);
                if (i < 0) throw new ArgumentException($"unknown class name '{ClassName}'; the model's classes are: {string.Join(", ", classNames)}");
                return Tensor.Full([n], (long)i, ScalarType.Int64);
            default:
                if (K > classes) throw new ArgumentOutOfRangeException(nameof(K), K, $"top-{K} needs at least {K} classes; the model has {classes}");
                var (values, indices) = logits.TopK(K, 1);
                values.Dispose();
                using (indices) return indices.Reshape(-1);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        "predicted" => "predicted",
        "index" => Index.ToString(CultureInfo.InvariantCulture),
        "name" => ClassName!,
        _ => $"top-{K}",
    };
}
