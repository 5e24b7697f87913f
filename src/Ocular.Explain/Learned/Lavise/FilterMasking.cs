namespace Ocular.Explain.Learned.Lavise;

/// <summary>How the explainer's input is built for filter u on one of its top images (lavise.md §4.3).</summary>
public enum FilterMasking
{
    /// <summary>Filter attention as the original code computes it (method <c>projection</c>, the published numbers):
    /// <c>pooled_k = mean_{y,x} F_k[y,x]·F_u[y,x] / ‖F_u‖₂</c> — not a cosine (§8.1). The default.</summary>
    FilterAttention,

    /// <summary>Filter attention as the paper words it: <c>a_k = ⟨F_u, F_k⟩ / (‖F_u‖‖F_k‖ + ε)</c>, <c>F_k^att = a_k·F_k</c>, then the mean.</summary>
    FilterAttentionCosine,

    /// <summary>Activation masking (Zhang et al.): <c>mean(F ⊙ [F_u &gt; T_u])</c>.</summary>
    ActivationMasking,

    /// <summary>Image masking: the normalised image's pixels where the bilinearly upsampled F_u ≤ T_u are zeroed, and the network runs again.</summary>
    ImageMasking,

    /// <summary>The original image: <c>mean(F)</c>, no mask (the same input for every filter of an image).</summary>
    OriginalImage,
}

/// <summary>How an image's words are weighted in a filter's ranking (§4.2 step 3, §8.11).</summary>
public enum ActivationWeighting
{
    /// <summary>Each image's s words count once (the paper; the default).</summary>
    None,

    /// <summary>Repeated ⌊max activation⌋ times (the original code: images with a maximum below 1 contribute nothing).</summary>
    Floor,

    /// <summary>Repeated ⌈max activation⌉ times (the reproduction's <c>--weigh-s-by-relevance</c>).</summary>
    Ceil,
}

/// <summary>Which recall@k (§5.2, §8.13).</summary>
public enum RecallDefinition
{
    /// <summary>Per image: the image's own top-k words against its ground truth, averaged over all (filter, image) pairs (the reproduction's; the default).</summary>
    PerImage,

    /// <summary>Filter level: the filter's cumulative top-k ranking against each image's ground truth, averaged per filter, then over filters (<c>abhinav-neil/lavise</c>).</summary>
    FilterLevel,
}

/// <summary>Names of the masking methods as the CLI and the original's <c>--method</c> write them.</summary>
public static class FilterMaskings
{
    /// <summary>Every method with its name: <c>projection</c>, <c>cosine</c>, <c>activation</c>, <c>image</c>, <c>original</c>.</summary>
    public static IReadOnlyList<(string Name, FilterMasking Method)> All { get; } =
    [
        ("projection", FilterMasking.FilterAttention), ("cosine", FilterMasking.FilterAttentionCosine),
        ("activation", FilterMasking.ActivationMasking), ("image", FilterMasking.ImageMasking), ("original", FilterMasking.OriginalImage),
    ];

    /// <summary>The method's name.</summary>
    public static string Name(this FilterMasking method) => All.First(m => m.Method == method).Name;

    /// <summary>Parses a name (case-insensitive); an unknown one lists the accepted names.</summary>
    public static FilterMasking Parse(string name) =>
        All.FirstOrDefault(m => m.Name.Equals(name.Trim(), StringComparison.OrdinalIgnoreCase)) is { Name: not null } found ? found.Method
            : throw new FormatException($"unknown filter masking method '{name}'; accepted: {string.Join(", ", All.Select(m => m.Name))}");
}
