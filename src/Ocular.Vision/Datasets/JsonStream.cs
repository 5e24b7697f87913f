using System.Text.Json;

namespace Ocular.Vision.Datasets;

/// <summary>
/// Streamed reading of large JSON annotation files (COCO's <c>instances_train2017.json</c> is 448 MB, Visual Genome's
/// <c>objects.json</c> about 400 MB): a <see cref="Utf8JsonReader"/> over a file stream walks the top level, and each
/// element of a wanted array is handed, complete, to a callback with a reader of its own — so only one element (plus
/// the read-ahead buffer) is ever held, never the document.
/// </summary>
internal sealed class JsonStream
{
    /// <summary>Reads one complete array element; the reader is positioned before the element's first token.</summary>
    public delegate void ElementReader(ref Utf8JsonReader element);

    private readonly Stream _stream;
    private readonly string _path;
    private byte[] _buffer = new byte[1 << 20];
    private int _start, _end;
    private long _offset; // file offset of _buffer[_start]
    private bool _final;
    private JsonReaderState _state;

    private readonly string _what;

    private JsonStream(Stream stream, string path, string what)
    {
        _stream = stream;
        _path = path;
        _what = what;
    }

    /// <summary>
    /// Reads a file whose top level is an object. <paramref name="arrays"/> is asked, for each top-level key, for the
    /// reader of that key's array elements (null: the value is skipped); the keys found are returned. A wanted key whose
    /// value is not an array is an error. <paramref name="what"/> names the kind of file in errors ("a COCO instances file").
    /// <paramref name="progress"/> is told (bytes read, file length) after each element.
    /// </summary>
    /// <exception cref="DatasetException">The file is missing, is not JSON, or its top level is not an object.</exception>
    public static HashSet<string> ReadObject(string path, string what, Func<string, ElementReader?> arrays, Action<long, long>? progress = null)
    {
        using var file = Open(path);
        var json = new JsonStream(file, path, what);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        json.Wrap(() =>
        {
            if (json.NextToken(out _) != JsonTokenType.StartObject) throw json.Error("expected a JSON object at the top level");
            while (true)
            {
                var token = json.NextToken(out var name);
                if (token == JsonTokenType.EndObject) break;
                keys.Add(name!);
                var reader = arrays(name!);
                if (reader is null) json.SkipValue();
                else json.ReadArray(reader, $"'{name}'", progress);
            }
        });
        return keys;
    }

    /// <summary>Reads a file whose top level is an array, handing each element to <paramref name="element"/>.</summary>
    /// <exception cref="DatasetException">The file is missing, is not JSON, or its top level is not an array.</exception>
    public static void ReadArray(string path, string what, ElementReader element, Action<long, long>? progress = null)
    {
        using var file = Open(path);
        var json = new JsonStream(file, path, what);
        json.Wrap(() => json.ReadArray(element, "the top level", progress));
    }

    private static FileStream Open(string path)
    {
        if (!File.Exists(path)) throw new DatasetException($"annotation file '{Path.GetFullPath(path)}' does not exist", path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
    }

    // Malformed JSON (a JsonException from the reader) becomes one DatasetException naming the file and the byte offset.
    private void Wrap(Action read)
    {
        try
        {
            read();
        }
        catch (JsonException e)
        {
            throw new DatasetException($"'{_path}' is not valid JSON near byte {_offset} (expected {_what}): {e.Message}", _path, e);
        }
    }

    private DatasetException Error(string message) => new($"'{_path}' is not {_what} (near byte {_offset}): {message}", _path);

    // The next token at the current level (a property name is returned in name); refills the buffer as needed.
    private JsonTokenType NextToken(out string? name)
    {
        while (true)
        {
            var reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), _final, _state);
            if (reader.Read())
            {
                name = reader.TokenType == JsonTokenType.PropertyName ? reader.GetString() : null;
                Consume(ref reader);
                return reader.TokenType;
            }
            if (_final) throw Error("the file ends early");
            Refill();
        }
    }

    private void ReadArray(ElementReader element, string what, Action<long, long>? progress)
    {
        if (NextToken(out _) != JsonTokenType.StartArray) throw Error($"expected an array at {what}");
        var length = _stream.CanSeek ? _stream.Length : -1;
        while (true)
        {
            var reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), _final, _state);
            if (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndArray)
                {
                    Consume(ref reader);
                    return;
                }
                // The element's exact bytes, from its first token to the end of its last, complete in the buffer.
                var begin = (int)reader.TokenStartIndex;
                if (reader.TrySkip())
                {
                    var elementReader = new Utf8JsonReader(_buffer.AsSpan(_start + begin, (int)reader.BytesConsumed - begin), isFinalBlock: true, state: default);
                    element(ref elementReader);
                    Consume(ref reader);
                    progress?.Invoke(_offset, length);
                    continue;
                }
            }
            if (_final) throw Error($"the array at {what} ends early");
            Refill();
        }
    }

    // Skips one value (a scalar, or a whole object or array), reading ahead as far as it needs.
    private void SkipValue()
    {
        while (true)
        {
            var reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), _final, _state);
            if (reader.Read() && reader.TrySkip())
            {
                Consume(ref reader);
                return;
            }
            if (_final) throw Error("the file ends early");
            Refill();
        }
    }

    private void Consume(ref Utf8JsonReader reader)
    {
        _start += (int)reader.BytesConsumed;
        _offset += reader.BytesConsumed;
        _state = reader.CurrentState;
    }

    // Moves the unread bytes to the front, doubles the buffer when they fill it (one element larger than the buffer), and reads more.
    private void Refill()
    {
        var unread = _end - _start;
        if (unread == _buffer.Length) Array.Resize(ref _buffer, checked(_buffer.Length * 2));
        else if (_start > 0) Buffer.BlockCopy(_buffer, _start, _buffer, 0, unread);
        _start = 0;
        _end = unread;
        while (_end < _buffer.Length)
        {
            var n = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (n == 0)
            {
                _final = true;
                break;
            }
            _end += n;
        }
    }
}
