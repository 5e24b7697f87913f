using System.Buffers.Binary;
using Google.Protobuf;
using Ocular.Vision.Training;

namespace Ocular.Vision.Tests.Training;

/// <summary>
/// A small TensorBoard event-file reader for tests: verifies the TFRecord framing and both masked CRCs of every record,
/// and decodes the Event fields Ocular writes (wall time, step, file version, scalar summaries, session log status).
/// </summary>
internal static class EventFileReader
{
    public sealed record Event(double WallTime, long Step, string? FileVersion, List<(string Tag, float Value)> Values, int? SessionStatus);

    public static List<Event> Read(string path) => ReadRecords(File.ReadAllBytes(path)).Select(DecodeEvent).ToList();

    public static List<byte[]> ReadRecords(byte[] file)
    {
        var records = new List<byte[]>();
        var pos = 0;
        while (pos < file.Length)
        {
            if (pos + 12 > file.Length) throw new InvalidDataException("truncated record header");
            var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(pos, 8));
            if (BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(pos + 8, 4)) != Crc32C.Masked(file.AsSpan(pos, 8)))
                throw new InvalidDataException("length CRC mismatch");
            if (pos + 16 + length > file.Length) throw new InvalidDataException("truncated record");
            var data = file.AsSpan(pos + 12, length).ToArray();
            if (BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(pos + 12 + length, 4)) != Crc32C.Masked(data))
                throw new InvalidDataException("data CRC mismatch");
            records.Add(data);
            pos += 16 + length;
        }
        return records;
    }

    public static Event DecodeEvent(byte[] data)
    {
        var input = new CodedInputStream(data);
        double wall = 0;
        long step = 0;
        string? version = null;
        int? session = null;
        var values = new List<(string, float)>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: wall = input.ReadDouble(); break;
                case 2: step = input.ReadInt64(); break;
                case 3: version = input.ReadString(); break;
                case 5:
                    var summary = new CodedInputStream(input.ReadBytes().ToByteArray());
                    while (summary.ReadTag() != 0)
                    {
                        var value = new CodedInputStream(summary.ReadBytes().ToByteArray());
                        string name = "";
                        float v = float.NaN;
                        uint vt;
                        while ((vt = value.ReadTag()) != 0)
                        {
                            if (WireFormat.GetTagFieldNumber(vt) == 1) name = value.ReadString();
                            else if (WireFormat.GetTagFieldNumber(vt) == 2) v = value.ReadFloat();
                            else value.SkipLastField();
                        }
                        values.Add((name, v));
                    }
                    break;
                case 6:
                    var log = new CodedInputStream(input.ReadBytes().ToByteArray());
                    uint lt;
                    while ((lt = log.ReadTag()) != 0)
                    {
                        if (WireFormat.GetTagFieldNumber(lt) == 1) session = log.ReadEnum();
                        else log.SkipLastField();
                    }
                    break;
                default: input.SkipLastField(); break;
            }
        }
        return new Event(wall, step, version, values, session);
    }
}
