using System.Buffers.Binary;
using Google.Protobuf;
using Ocular.Vision.Training;

namespace Ocular.Vision.Tests.Training;

public class TensorBoardWriterTests
{
    [Fact]
    public void Crc32CMatchesTheStandardCheckValue()
    {
        // The CRC-32C check value of "123456789" (RFC 3720, iSCSI).
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
        Assert.Equal(0u, Crc32C.Compute([]));
    }

    [Fact]
    public void EventFileFramesRecordsWithValidMaskedCrcsAndDecodesToTheScalars()
    {
        var dir = Path.Combine(Path.GetTempPath(), "ocular-tb-" + Guid.NewGuid().ToString("N"));
        try
        {
            string path;
            using (var writer = new TensorBoardWriter(dir))
            {
                writer.AddScalar("train/loss", 0.25, 1);
                writer.AddScalars(new Dictionary<string, double> { ["test/top1"] = 91.5, ["lr"] = 0.01 }, 2);
                path = writer.Path;
            }
            Assert.Contains("tfevents", Path.GetFileName(path));
            var records = ReadRecords(File.ReadAllBytes(path));
            Assert.Equal(3, records.Count);

            var first = DecodeEvent(records[0]);
            Assert.Equal("brain.Event:2", first.FileVersion);

            var second = DecodeEvent(records[1]);
            Assert.Equal(1, second.Step);
            Assert.Equal(("train/loss", 0.25f), Assert.Single(second.Values));

            var third = DecodeEvent(records[2]);
            Assert.Equal(2, third.Step);
            Assert.Equal([("test/top1", 91.5f), ("lr", 0.01f)], third.Values);
            Assert.True(third.WallTime > 1.7e9);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ACorruptedByteIsDetectedByTheCrc()
    {
        var dir = Path.Combine(Path.GetTempPath(), "ocular-tb-" + Guid.NewGuid().ToString("N"));
        try
        {
            string path;
            using (var writer = new TensorBoardWriter(dir))
            {
                writer.AddScalar("x", 1, 1);
                path = writer.Path;
            }
            var bytes = File.ReadAllBytes(path);
            bytes[^6] ^= 0x40; // inside the last record's data
            Assert.Throws<InvalidDataException>(() => ReadRecords(bytes));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    // A small TFRecord reader: verifies the framing and both masked CRCs of every record.
    private static List<byte[]> ReadRecords(byte[] file)
    {
        var records = new List<byte[]>();
        var pos = 0;
        while (pos < file.Length)
        {
            var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(pos, 8));
            if (BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(pos + 8, 4)) != Crc32C.Masked(file.AsSpan(pos, 8)))
                throw new InvalidDataException("length CRC mismatch");
            var data = file.AsSpan(pos + 12, length).ToArray();
            if (BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(pos + 12 + length, 4)) != Crc32C.Masked(data))
                throw new InvalidDataException("data CRC mismatch");
            records.Add(data);
            pos += 16 + length;
        }
        return records;
    }

    private sealed record Event(double WallTime, long Step, string? FileVersion, List<(string, float)> Values);

    private static Event DecodeEvent(byte[] data)
    {
        var input = new CodedInputStream(data);
        double wall = 0;
        long step = 0;
        string? version = null;
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
                    uint st;
                    while ((st = summary.ReadTag()) != 0)
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
                default: input.SkipLastField(); break;
            }
        }
        return new Event(wall, step, version, values);
    }
}
