using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ocular.Torch;
using Ocular.Torch.Serialization;

namespace Ocular.Explain.Semantics;

/// <summary>
/// A parsed word-vector file kept as safetensors (the normalised float32 [V, D] vectors, the words' UTF-8 bytes and their
/// offsets), so that loading the same file again is one read instead of a parse: one cache file per source path and
/// requested format, named by a hash of both and valid only while the source's size, modification time and a fingerprint
/// of its first and last 64 KiB are those recorded in it. Writing is atomic; a cache that cannot be written (a read-only
/// home) or read (damaged) only costs a parse.
/// </summary>
internal sealed class WordEmbeddingCache(string directory)
{
    /// <summary>The format tag inside a cache file's metadata; a new layout gets a new tag and so misses old files.</summary>
    public const string FormatTag = "ocular.word-embeddings/1";

    private const string MetadataKey = "ocular.word_embeddings";
    private const int FingerprintBytes = 64 * 1024;

    /// <summary>What a cache file must record to stand for the source.</summary>
    private sealed record Key(string Format, string Source, string Requested, long Size, long ModifiedTicks, string Fingerprint);

    /// <summary>The cache file of <paramref name="source"/> (a full path) read as <paramref name="requested"/>.</summary>
    public string PathFor(string source, WordEmbeddingFormat requested) =>
        Path.Combine(directory, Hash(Encoding.UTF8.GetBytes($"{source}\n{requested}"))[..24] + ".safetensors");

    /// <summary>The cached words and vectors of <paramref name="source"/>, or null when there is no valid cache file.</summary>
    public (string[] Words, Tensor Vectors)? TryLoad(string source, WordEmbeddingFormat requested)
    {
        var file = PathFor(source, requested);
        if (!File.Exists(file)) return null;
        SafeTensors.Contents? contents = null;
        try
        {
            var metadata = SafeTensors.ReadMetadata(file);
            if (!metadata.TryGetValue(MetadataKey, out var recorded) || recorded != KeyOf(source, requested)) return null;
            contents = SafeTensors.Load(file);
            if (!contents.Tensors.TryGetValue("vectors", out var vectors) || !contents.Tensors.TryGetValue("words", out var bytes)
                || !contents.Tensors.TryGetValue("word_offsets", out var offsets)
                || vectors.DType != ScalarType.Float32 || vectors.Dim != 2 || offsets.NumEl != vectors.Size(0) + 1)
                return null;
            var words = Decode(bytes.ToArray<byte>(), offsets.ToArray<long>());
            if (words is null) return null;
            foreach (var (name, tensor) in contents.Tensors)
                if (name != "vectors") tensor.Dispose();
            contents = null;
            return (words, vectors);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
        finally
        {
            contents?.Dispose();
        }
    }

    /// <summary>Writes the cache file of <paramref name="source"/>; returns its path, or null when it could not be written.</summary>
    public string? TrySave(string source, WordEmbeddingFormat requested, IReadOnlyList<string> words, Tensor vectors)
    {
        var file = PathFor(source, requested);
        try
        {
            var key = KeyOf(source, requested);
            var offsets = new long[words.Count + 1];
            var encoded = new List<byte[]>(words.Count);
            for (var i = 0; i < words.Count; i++)
            {
                encoded.Add(Encoding.UTF8.GetBytes(words[i]));
                offsets[i + 1] = offsets[i] + encoded[i].Length;
            }
            var bytes = new byte[offsets[^1]];
            for (var i = 0; i < encoded.Count; i++) encoded[i].CopyTo(bytes, offsets[i]);
            using var wordsTensor = DisposeScope.Detach(Tensor.FromArray(bytes, bytes.LongLength));
            using var offsetsTensor = DisposeScope.Detach(Tensor.FromArray(offsets, offsets.LongLength));
            SafeTensors.Save(file, new Dictionary<string, Tensor> { ["vectors"] = vectors, ["words"] = wordsTensor, ["word_offsets"] = offsetsTensor },
                new Dictionary<string, string> { [MetadataKey] = key });
            return file;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string KeyOf(string source, WordEmbeddingFormat requested)
    {
        var info = new FileInfo(source);
        return JsonSerializer.Serialize(new Key(FormatTag, source, requested.ToString(), info.Length, info.LastWriteTimeUtc.Ticks, Fingerprint(source, info.Length)));
    }

    // The first and last 64 KiB: an edit that keeps the size and the modification time (a copy with `cp -p`, a clock
    // reset) still changes the key unless it is confined to the middle of a large file.
    private static string Fingerprint(string source, long length)
    {
        using var file = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read);
        var head = new byte[(int)Math.Min(length, FingerprintBytes)];
        file.ReadExactly(head);
        var tail = new byte[(int)Math.Min(length, FingerprintBytes)];
        file.Position = length - tail.Length;
        file.ReadExactly(tail);
        return Hash([.. head, .. tail]);
    }

    private static string[]? Decode(byte[] bytes, long[] offsets)
    {
        var words = new string[offsets.Length - 1];
        for (var i = 0; i < words.Length; i++)
        {
            if (offsets[i] < 0 || offsets[i + 1] < offsets[i] || offsets[i + 1] > bytes.Length) return null;
            words[i] = Encoding.UTF8.GetString(bytes, (int)offsets[i], (int)(offsets[i + 1] - offsets[i]));
        }
        return words;
    }

    private static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
