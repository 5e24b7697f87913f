using Ocular.Torch.Serialization;

namespace Ocular.Explain.Semantics;

/// <summary>How <see cref="WordEmbeddings.Load(string, WordEmbeddingLoadOptions, IProgress{double}?)"/> reads a file.</summary>
public sealed record WordEmbeddingLoadOptions
{
    /// <summary>The file's layout (default: detect it).</summary>
    public WordEmbeddingFormat Format { get; init; } = WordEmbeddingFormat.Auto;

    /// <summary>Whether to read and write the parsed copy in <see cref="CacheDirectory"/> (default true).</summary>
    public bool UseCache { get; init; } = true;

    /// <summary>Where parsed copies are kept (default <see cref="WordEmbeddings.DefaultCacheDirectory"/>).</summary>
    public string? CacheDirectory { get; init; }
}
