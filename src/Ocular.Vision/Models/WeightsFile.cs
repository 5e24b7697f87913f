using Ocular.Torch;
using Ocular.Torch.Serialization;

namespace Ocular.Vision.Models;

/// <summary>The kind of file a state dict was read from.</summary>
public enum WeightsFormat
{
    /// <summary>A PyTorch <c>torch.save</c> file (<c>.pth</c>, <c>.pt</c>), read with the restricted unpickler.</summary>
    PyTorch,

    /// <summary>An Ocular classifier checkpoint (<c>.ocular</c>): safetensors with <see cref="ClassifierMetadata"/>.</summary>
    Ocular,

    /// <summary>A plain safetensors file without Ocular's metadata.</summary>
    SafeTensors,
}

/// <summary>Where a state dict came from and what else its file held (everything but the tensors).</summary>
/// <param name="Path">The file.</param>
/// <param name="Format">Its format.</param>
/// <param name="TensorCount">The number of state-dict tensors found.</param>
/// <param name="WrapperKey">The wrapper the state dict was nested under in a <c>.pth</c> (<c>state_dict</c>, <c>model/state_dict</c>, …), or null.</param>
/// <param name="StrippedPrefix">The prefix removed from every key (<c>module.</c>), or null.</param>
/// <param name="Extras">Other plain entries of a <c>.pth</c> (<c>epoch</c> → 5L, <c>arch</c> → "resnet50"), see <see cref="PthCheckpoint.Extras"/>.</param>
/// <param name="Skipped">Entries of a <c>.pth</c> holding tensors outside the state dict (an optimizer's state), not loaded.</param>
/// <param name="Metadata">The classifier metadata of an Ocular checkpoint, else null.</param>
public sealed record WeightsSource(
    string Path, WeightsFormat Format, int TensorCount, string? WrapperKey, string? StrippedPrefix,
    IReadOnlyDictionary<string, object?> Extras, IReadOnlyList<string> Skipped, ClassifierMetadata? Metadata)
{
    /// <summary>One line: the file, its format, the tensor count, the wrapper, the stripped prefix, the extras and the skipped entries.</summary>
    public override string ToString()
    {
        var text = $"{Path}: {Format}, {TensorCount} tensors";
        if (Metadata is not null) text += $" ({Metadata.Architecture}, {Metadata.NumClasses} classes)";
        if (WrapperKey is not null) text += $" under '{WrapperKey}'";
        if (StrippedPrefix is not null) text += $" ('{StrippedPrefix}' removed)";
        if (Skipped.Count > 0) text += $"; skipped: {string.Join(", ", Skipped)}";
        return text;
    }
}

/// <summary>
/// The state dict of a weights file — a PyTorch <c>.pth</c> (plain, wrapped or <c>module.</c>-prefixed,
/// see <see cref="PthReader.LoadCheckpoint"/>), an Ocular checkpoint or a plain safetensors file, told
/// apart by their first bytes — with a description of the file (<see cref="Source"/>). Disposing it
/// frees the tensors.
/// </summary>
public sealed class WeightsFile : IDisposable
{
    private readonly IDisposable _owner;

    private WeightsFile(WeightsSource source, IReadOnlyDictionary<string, Tensor> stateDict, IDisposable owner)
    {
        Source = source;
        StateDict = stateDict;
        _owner = owner;
    }

    /// <summary>What the file held besides the tensors.</summary>
    public WeightsSource Source { get; }

    /// <summary>The state-dict tensors by key (owned by this object). For an Ocular checkpoint, every tensor of the file, extra ones included.</summary>
    public IReadOnlyDictionary<string, Tensor> StateDict { get; }

    /// <summary>The file.</summary>
    public string Path => Source.Path;

    /// <summary>The shape of entry <paramref name="key"/>, or null when the file lacks it.</summary>
    public long[]? ShapeOf(string key) => StateDict.TryGetValue(key, out var t) ? t.Shape : null;

    /// <summary>
    /// Reads the state dict of <paramref name="path"/>: a safetensors file (an Ocular checkpoint when it
    /// has Ocular's metadata) or else a PyTorch <c>torch.save</c> file.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is neither format, holds no state dict, or is corrupt; the message names the file.</exception>
    /// <exception cref="UnsafePickleException">A <c>.pth</c> references a global outside the allow-list.</exception>
    public static WeightsFile Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"weights file not found: {path}", path);
        if (!LooksLikeSafeTensors(path))
        {
            var pth = PthReader.LoadCheckpoint(path);
            var source = new WeightsSource(path, WeightsFormat.PyTorch, pth.StateDict.Count, pth.WrapperKey, pth.StrippedPrefix, pth.Extras, pth.Skipped, null);
            return new WeightsFile(source, pth.StateDict, pth);
        }
        var contents = SafeTensors.Load(path);
        try
        {
            var metadata = contents.Metadata.TryGetValue(ClassifierCheckpoint.MetadataKey, out var json) ? ClassifierMetadata.FromJson(json, path) : null;
            var source = new WeightsSource(path, metadata is null ? WeightsFormat.SafeTensors : WeightsFormat.Ocular, contents.Tensors.Count,
                null, null, new Dictionary<string, object?>(), [], metadata);
            return new WeightsFile(source, contents.Tensors, contents);
        }
        catch
        {
            contents.Dispose();
            throw;
        }
    }

    /// <summary>Frees the tensors.</summary>
    public void Dispose() => _owner.Dispose();

    // safetensors: an 8-byte little-endian header length, then the JSON header "{…". A torch.save file
    // starts with a zip local header ("PK\x03\x04") or a pickle protocol opcode (0x80).
    private static bool LooksLikeSafeTensors(string path)
    {
        Span<byte> head = stackalloc byte[9];
        using var file = File.OpenRead(path);
        if (file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) < head.Length) return false;
        var length = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(head);
        return head[8] == (byte)'{' && length >= 2 && length <= (ulong)file.Length - 8;
    }
}
