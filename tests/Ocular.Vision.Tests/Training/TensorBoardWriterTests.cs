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
            var records = EventFileReader.ReadRecords(File.ReadAllBytes(path));
            Assert.Equal(3, records.Count);

            var first = EventFileReader.DecodeEvent(records[0]);
            Assert.Equal("brain.Event:2", first.FileVersion);

            var second = EventFileReader.DecodeEvent(records[1]);
            Assert.Equal(1, second.Step);
            Assert.Equal(("train/loss", 0.25f), Assert.Single(second.Values));

            var third = EventFileReader.DecodeEvent(records[2]);
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
            Assert.Throws<InvalidDataException>(() => EventFileReader.ReadRecords(bytes));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ASessionStartIsALogEventWithStatusStartAtItsStep()
    {
        var dir = Path.Combine(Path.GetTempPath(), "ocular-tb-" + Guid.NewGuid().ToString("N"));
        try
        {
            string path;
            using (var writer = new TensorBoardWriter(dir))
            {
                writer.AddSessionStart(3);
                writer.AddScalar("x", 2, 3);
                path = writer.Path;
            }
            var events = EventFileReader.Read(path);
            Assert.Equal(3, events.Count);
            Assert.Equal((3L, (int?)1), (events[1].Step, events[1].SessionStatus)); // SessionLog.START
            Assert.Empty(events[1].Values);
            Assert.Null(events[2].SessionStatus);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
