using System.Buffers.Binary;
using Google.Protobuf;

namespace Ocular.Vision.Training;

/// <summary>
/// Writes TensorBoard event files (scalars) that TensorBoard reads: TFRecord framing (length, masked
/// CRC-32C of the length, the serialised <c>Event</c> protocol buffer, masked CRC-32C of the data),
/// with the <c>Event</c>/<c>Summary</c> messages encoded by Google.Protobuf. Every record is flushed,
/// so a killed run leaves a readable file.
/// </summary>
public sealed class TensorBoardWriter : IDisposable
{
    // Field numbers from tensorflow/core/util/event.proto and summary.proto.
    private const int EventWallTime = 1, EventStep = 2, EventFileVersion = 3, EventSummary = 5, EventSessionLog = 6;
    private const int SessionLogStatus = 1, SessionLogStart = 1;
    private const int SummaryValue = 1, ValueTag = 1, ValueSimpleValue = 2;

    private readonly FileStream _stream;

    /// <summary>The event file being written.</summary>
    public string Path { get; }

    /// <summary>Creates a new event file in <paramref name="directory"/> (named as TensorBoard expects: <c>events.out.tfevents.*</c>).</summary>
    public TensorBoardWriter(string directory)
    {
        Directory.CreateDirectory(directory);
        var stamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Path = System.IO.Path.Combine(directory, $"events.out.tfevents.{stamp}.{Environment.MachineName}.{Environment.ProcessId}.ocular");
        _stream = new FileStream(Path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        WriteEvent(step: 0, fileVersion: "brain.Event:2");
    }

    /// <summary>Adds one scalar value (e.g. <c>train/loss</c>) at a step.</summary>
    public void AddScalar(string tag, double value, long step) => AddScalars(new Dictionary<string, double> { [tag] = value }, step);

    /// <summary>Adds several scalars at one step (one event).</summary>
    public void AddScalars(IReadOnlyDictionary<string, double> values, long step) => WriteEvent(step, summary: values);

    /// <summary>
    /// Marks a restart at <paramref name="step"/> (a <c>SessionLog</c> with status START): TensorBoard then purges the
    /// events of earlier files at this step and later, which an interrupted run may have written before it was resumed.
    /// </summary>
    public void AddSessionStart(long step) => WriteEvent(step, sessionStart: true);

    private void WriteEvent(long step, string? fileVersion = null, IReadOnlyDictionary<string, double>? summary = null, bool sessionStart = false)
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        output.WriteTag(EventWallTime, WireFormat.WireType.Fixed64);
        output.WriteDouble(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0);
        output.WriteTag(EventStep, WireFormat.WireType.Varint);
        output.WriteInt64(step);
        if (fileVersion is not null)
        {
            output.WriteTag(EventFileVersion, WireFormat.WireType.LengthDelimited);
            output.WriteString(fileVersion);
        }
        if (summary is not null)
        {
            output.WriteTag(EventSummary, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(EncodeSummary(summary)));
        }
        if (sessionStart)
        {
            output.WriteTag(EventSessionLog, WireFormat.WireType.LengthDelimited);
            output.WriteLength(2);
            output.WriteTag(SessionLogStatus, WireFormat.WireType.Varint);
            output.WriteEnum(SessionLogStart);
        }
        output.Flush();
        WriteRecord(buffer.ToArray());
    }

    private static byte[] EncodeSummary(IReadOnlyDictionary<string, double> values)
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        foreach (var (tag, value) in values)
        {
            using var v = new MemoryStream();
            var vo = new CodedOutputStream(v);
            vo.WriteTag(ValueTag, WireFormat.WireType.LengthDelimited);
            vo.WriteString(tag);
            vo.WriteTag(ValueSimpleValue, WireFormat.WireType.Fixed32);
            vo.WriteFloat((float)value);
            vo.Flush();
            output.WriteTag(SummaryValue, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(v.ToArray()));
        }
        output.Flush();
        return buffer.ToArray();
    }

    // TFRecord: uint64 length, uint32 masked_crc32c(length), data, uint32 masked_crc32c(data), little-endian.
    private void WriteRecord(byte[] data)
    {
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Crc32C.Masked(header[..8]));
        Span<byte> footer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, Crc32C.Masked(data));
        _stream.Write(header);
        _stream.Write(data);
        _stream.Write(footer);
        _stream.Flush();
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _stream.Dispose();
}
