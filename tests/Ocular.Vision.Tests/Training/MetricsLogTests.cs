using Ocular.Vision.Training;

namespace Ocular.Vision.Tests.Training;

public class MetricsLogTests
{
    [Fact]
    public void WritesJsonLinesAndCsvAndReadsThemBack()
    {
        var dir = Path.Combine(Path.GetTempPath(), "ocular-metrics-" + Guid.NewGuid().ToString("N"));
        try
        {
            var log = new MetricsLog(dir);
            log.Append(new Dictionary<string, object> { ["epoch"] = 1.0, ["train_loss"] = 0.5, ["note"] = "a,b" });
            log.Append(new Dictionary<string, object> { ["epoch"] = 2.0, ["train_loss"] = 0.25, ["top1"] = 90.5 });
            Assert.Equal(2, File.ReadAllLines(Path.Combine(dir, "metrics.jsonl")).Length);
            var csv = File.ReadAllLines(Path.Combine(dir, "metrics.csv"));
            Assert.Equal("epoch,train_loss,note,top1", csv[0]);
            Assert.Equal("1,0.5,\"a,b\",", csv[1]);
            Assert.Equal("2,0.25,,90.5", csv[2]);

            var reread = new MetricsLog(dir);
            Assert.Equal(2, reread.Rows.Count);
            Assert.Equal(0.25, (double)reread.Rows[1]["train_loss"]);

            reread.TruncateAfter("epoch", 1);
            Assert.Single(new MetricsLog(dir).Rows);
            Assert.Equal(2, File.ReadAllLines(Path.Combine(dir, "metrics.csv")).Length);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ACorruptLineNamesTheFileAndLine()
    {
        var dir = Path.Combine(Path.GetTempPath(), "ocular-metrics-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "metrics.jsonl"), "{\"epoch\": 1}\n{not json\n");
            var e = Assert.Throws<InvalidDataException>(() => new MetricsLog(dir));
            Assert.Contains("metrics.jsonl: line 2", e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
