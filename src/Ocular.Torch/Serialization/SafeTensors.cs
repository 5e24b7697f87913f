using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Ocular.Torch.Serialization;

/// <summary>
/// Reads and writes the safetensors format: an 8-byte little-endian header length, a JSON header
/// (per tensor: dtype, shape, data offsets; plus an optional <c>__metadata__</c> map of strings),
/// then the raw little-endian tensor bytes. Files are written atomically.
/// </summary>
public static class SafeTensors
{
    private const string MetadataKey = "__metadata__";

    /// <summary>The contents of a safetensors file.</summary>
    /// <param name="Tensors">The tensors by name, in file order.</param>
    /// <param name="Metadata">The string metadata block (empty when absent).</param>
    public sealed record Contents(IReadOnlyDictionary<string, Tensor> Tensors, IReadOnlyDictionary<string, string> Metadata) : IDisposable
    {
        /// <summary>Disposes every tensor.</summary>
        public void Dispose()
        {
            foreach (var t in Tensors.Values) t.Dispose();
        }
    }

    private static string DTypeCode(ScalarType t) => t switch
    {
        ScalarType.Float64 => "F64",
        ScalarType.Float32 => "F32",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Int16 => "I16",
        ScalarType.Int8 => "I8",
        ScalarType.UInt8 => "U8",
        ScalarType.Bool => "BOOL",
        _ => throw new NotSupportedException($"safetensors cannot store {t}"),
    };

    private static ScalarType ParseDType(string code, string file, string key) => code switch
    {
        "F64" => ScalarType.Float64,
        "F32" => ScalarType.Float32,
        "F16" => ScalarType.Float16,
        "BF16" => ScalarType.BFloat16,
        "I64" => ScalarType.Int64,
        "I32" => ScalarType.Int32,
        "I16" => ScalarType.Int16,
        "I8" => ScalarType.Int8,
        "U8" => ScalarType.UInt8,
        "BOOL" => ScalarType.Bool,
        _ => throw new InvalidDataException($"{file}: tensor '{key}' has dtype '{code}', which Ocular does not read (expected F64, F32, F16, BF16, I64, I32, I16, I8, U8 or BOOL)"),
    };

    /// <summary>Writes tensors (moved to the CPU) and metadata to <paramref name="path"/> atomically.</summary>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var entries = tensors.ToList();
        var duplicate = entries.GroupBy(e => e.Key).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"tensor name '{duplicate.Key}' appears twice");
        if (entries.Any(e => e.Key == MetadataKey)) throw new ArgumentException($"'{MetadataKey}' is reserved for the metadata block");

        var payloads = new List<byte[]>(entries.Count);
        using var header = new MemoryStream();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (k, v) in metadata) json.WriteString(k, v);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, tensor) in entries)
            {
                var bytes = tensor.ToBytes();
                payloads.Add(bytes);
                json.WriteStartObject(name);
                json.WriteString("dtype", DTypeCode(tensor.DType));
                json.WriteStartArray("shape");
                foreach (var d in tensor.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes.LongLength);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes.LongLength;
            }
            json.WriteEndObject();
        }
        // The header is padded with spaces to a multiple of 8 bytes, so the data stays aligned.
        var headerBytes = header.ToArray();
        var padded = (headerBytes.Length + 7) / 8 * 8;

        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
            stream.Write(length);
            stream.Write(headerBytes);
            for (var i = headerBytes.Length; i < padded; i++) stream.WriteByte((byte)' ');
            foreach (var p in payloads) stream.Write(p);
        });
    }

    /// <summary>Writes tensors given as a dictionary.</summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        Save(path, tensors.AsEnumerable(), metadata);

    /// <summary>Reads only the metadata block (cheap: the tensor data is not read).</summary>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        using var stream = OpenRead(path);
        var (header, _) = ReadHeader(stream, path);
        return ParseMetadata(header, path);
    }

    /// <summary>Reads every tensor and the metadata; errors name the file and the key.</summary>
    public static Contents Load(string path)
    {
        using var stream = OpenRead(path);
        var (header, dataStart) = ReadHeader(stream, path);
        var dataLength = stream.Length - dataStart;
        var tensors = new Dictionary<string, Tensor>();
        try
        {
            foreach (var entry in header.RootElement.EnumerateObject())
            {
                if (entry.Name == MetadataKey) continue;
                var (dtype, shape, begin, end) = ParseEntry(entry, path);
                if (begin < 0 || end < begin || end > dataLength)
                    throw new InvalidDataException($"{path}: tensor '{entry.Name}' has data offsets [{begin}, {end}) outside the {dataLength}-byte data section (the file may be truncated)");
                var expected = shape.Aggregate(1L, (a, b) => a * b) * dtype.ElementSize();
                if (end - begin != expected)
                    throw new InvalidDataException($"{path}: tensor '{entry.Name}' of shape {Tensor.ShapeString(shape)} and dtype {dtype.TorchName()} needs {expected} bytes but its offsets give {end - begin}");
                // Straight into the tensor's memory: a large tensor (word embeddings, 480 MB) is neither staged in a
                // managed array nor copied twice.
                stream.Position = dataStart + begin;
                tensors[entry.Name] = TensorBytes.Read(stream, dtype, shape);
            }
            return new Contents(tensors, ParseMetadata(header, path));
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
        finally
        {
            header.Dispose();
        }
    }

    private static FileStream OpenRead(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"safetensors file not found: {path}", path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
    }

    private static (JsonDocument Header, long DataStart) ReadHeader(FileStream stream, string path)
    {
        if (stream.Length < 8) throw new InvalidDataException($"{path}: not a safetensors file (only {stream.Length} bytes; the 8-byte header length is missing)");
        Span<byte> length = stackalloc byte[8];
        stream.ReadExactly(length);
        var n = BinaryPrimitives.ReadUInt64LittleEndian(length);
        if (n > (ulong)(stream.Length - 8) || n > 100_000_000)
            throw new InvalidDataException($"{path}: not a safetensors file or truncated (header length {n} but the file has {stream.Length} bytes)");
        var bytes = new byte[n];
        stream.ReadExactly(bytes);
        try
        {
            var doc = JsonDocument.Parse(bytes);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{path}: the safetensors header is not a JSON object");
            return (doc, 8 + (long)n);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: the safetensors header is not valid JSON ({e.Message})", e);
        }
    }

    private static (ScalarType, long[], long, long) ParseEntry(JsonProperty entry, string path)
    {
        try
        {
            var e = entry.Value;
            var dtype = ParseDType(e.GetProperty("dtype").GetString() ?? "", path, entry.Name);
            var shape = e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            if (shape.Any(d => d < 0)) throw new InvalidDataException($"{path}: tensor '{entry.Name}' has a negative dimension");
            var offsets = e.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            if (offsets.Length != 2) throw new InvalidDataException($"{path}: tensor '{entry.Name}' needs two data offsets");
            return (dtype, shape, offsets[0], offsets[1]);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: tensor '{entry.Name}' has a malformed header entry (needs dtype, shape and data_offsets): {e.Message}", e);
        }
    }

    private static IReadOnlyDictionary<string, string> ParseMetadata(JsonDocument header, string path)
    {
        var result = new Dictionary<string, string>();
        if (!header.RootElement.TryGetProperty(MetadataKey, out var meta)) return result;
        if (meta.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{path}: '{MetadataKey}' must be an object of strings");
        foreach (var p in meta.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String) throw new InvalidDataException($"{path}: metadata '{p.Name}' must be a string");
            result[p.Name] = p.Value.GetString()!;
        }
        return result;
    }
}
